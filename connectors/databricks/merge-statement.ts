import { quoteIdentifier } from './quote-identifier.js';

/** The source column that marks a row as a delete of its key (present only in statements that delete). */
export const DELETE_FLAG_COLUMN = '_cloudpulse_delete';

/**
 * The smallest and largest value (as literals) of one key column among a statement's rows. Added to the
 * match condition as a target-only predicate, it lets Delta skip files whose statistics lie outside the
 * batch's keys: with rows keyed by time, a MERGE then reads the recent files, not the whole table.
 */
export interface KeyRange {
  readonly column: string;
  readonly min: string;
  readonly max: string;
}

/** One row of a MERGE source: its literals joined by `, ` (declared column order) and whether it deletes its key. */
export interface EncodedRow {
  readonly literals: string;
  readonly isDelete: boolean;
}

/**
 * Builds the one statement that applies a batch's rows to a Delta table:
 *
 * ```sql
 * MERGE INTO target AS t
 * USING (SELECT v.* FROM VALUES (…), (…) AS v(k, a, …)
 *        LEFT ANTI JOIN target AS x ON x.k = v.k AND x.a <=> v.a AND …) AS s
 * ON t.k = s.k
 * WHEN MATCHED AND NOT (t.a <=> s.a AND …) THEN UPDATE SET a = s.a, …
 * WHEN NOT MATCHED THEN INSERT (k, a, …) VALUES (s.k, s.a, …)
 * ```
 *
 * The shape is forced by Spark and Delta. `USING (VALUES …) AS s(a, b)` is rejected in MERGE
 * (`COLUMN_ALIASES_IS_NOT_ALLOWED`), so the aliases sit on an inner VALUES. The guard on WHEN MATCHED keeps
 * unchanged rows out of `num_affected_rows`, but Delta uses matched-clause conditions to skip files only in
 * merges without an insert clause: a guarded MERGE that can insert still rewrites every file holding a
 * matched key. So rows equal to the stored ones (`<=>`, NULL-safe) are taken out of the source first: a
 * replayed batch has an empty source, touches no file and commits no new table version.
 *
 * A batch with deletes carries a boolean flag column (never filtered out) and two more clauses
 * (`WHEN MATCHED AND s.flag THEN DELETE`, inserts only of non-deletes). The caller collapses duplicate
 * keys first: Delta refuses a MERGE where two source rows match one target row.
 */
export class MergeStatement {
  private readonly columnList: string;
  private readonly on: string;
  private readonly update: string | undefined;
  private readonly insert: string;
  private readonly unchanged: string;

  constructor(
    readonly target: string,
    columns: readonly string[],
    key: readonly string[],
  ) {
    const q = (name: string): string => quoteIdentifier(name);
    const nonKey = columns.filter((c) => !key.includes(c));
    this.columnList = columns.map(q).join(', ');
    this.on = key.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ');
    this.update =
      nonKey.length === 0
        ? undefined
        : `NOT (${nonKey.map((c) => `t.${q(c)} <=> s.${q(c)}`).join(' AND ')}) THEN UPDATE SET ${nonKey.map((c) => `${q(c)} = s.${q(c)}`).join(', ')}`;
    this.unchanged = [...key.map((k) => `x.${q(k)} = v.${q(k)}`), ...nonKey.map((c) => `x.${q(c)} <=> v.${q(c)}`)].join(' AND ');
    this.insert = `THEN INSERT (${this.columnList}) VALUES (${columns.map((c) => `s.${q(c)}`).join(', ')})`;
  }

  /** Bytes of the statement around its rows (each row adds its literals' bytes plus {@link ROW_OVERHEAD_BYTES}). */
  overheadBytes(withDeletes: boolean): number {
    return Buffer.byteLength(this.build([], withDeletes), 'utf8');
  }

  /**
   * The MERGE for `rows` (at least one, distinct keys); `withDeletes` defaults to whether any row deletes.
   * `ranges` must bound the rows' key values (see {@link KeyRange}).
   */
  build(rows: readonly EncodedRow[], withDeletes = rows.some((r) => r.isDelete), ranges: readonly KeyRange[] = []): string {
    let values = '';
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      values += `${i === 0 ? '' : ', '}(${row.literals}${withDeletes ? (row.isDelete ? ', TRUE' : ', FALSE') : ''})`;
    }
    const alias = withDeletes ? `${this.columnList}, ${quoteIdentifier(DELETE_FLAG_COLUMN)}` : this.columnList;
    return this.buildFrom(`VALUES ${values} AS v(${alias})`, withDeletes, ranges);
  }

  /**
   * The MERGE from any relation aliased `v` with the declared columns (and, `withDeletes`, the boolean delete
   * flag column): `VALUES … AS v(…)` or a staging table `… AS v`. Its keys must be distinct.
   */
  buildFrom(relation: string, withDeletes: boolean, ranges: readonly KeyRange[] = []): string {
    const flag = quoteIdentifier(DELETE_FLAG_COLUMN);
    const within = (alias: string): string => ranges.map((r) => ` AND ${alias}.${quoteIdentifier(r.column)} BETWEEN ${r.min} AND ${r.max}`).join('');
    const source = `SELECT v.* FROM ${relation} LEFT ANTI JOIN ${this.target} AS x ON ${this.unchanged}${within('x')}${withDeletes ? ` AND NOT v.${flag}` : ''}`;
    const clauses = withDeletes
      ? [`WHEN MATCHED AND s.${flag} THEN DELETE`, ...(this.update === undefined ? [] : [`WHEN MATCHED AND NOT s.${flag} AND ${this.update}`]), `WHEN NOT MATCHED AND NOT s.${flag} ${this.insert}`]
      : [...(this.update === undefined ? [] : [`WHEN MATCHED AND ${this.update}`]), `WHEN NOT MATCHED ${this.insert}`];
    return `MERGE INTO ${this.target} AS t USING (${source}) AS s ON ${this.on}${within('t')} ${clauses.join(' ')}`;
  }
}

/** What each row adds to a statement besides its literals: `, (` … `, FALSE)`. */
export const ROW_OVERHEAD_BYTES = 11;

/**
 * Splits rows into runs whose statements stay under `maxBytes` (given the statement's own overhead). A
 * row too big on its own still gets a statement of its own: the limit is a target, not a filter.
 */
export function splitBySize<T extends EncodedRow>(rows: readonly T[], maxBytes: number, overheadBytes: number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let size = overheadBytes;
  for (const row of rows) {
    const bytes = Buffer.byteLength(row.literals, 'utf8') + ROW_OVERHEAD_BYTES;
    if (run.length > 0 && size + bytes > maxBytes) {
      runs.push(run);
      run = [];
      size = overheadBytes;
    }
    run.push(row);
    size += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
