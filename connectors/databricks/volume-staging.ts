import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cell, StreamRecord, TableRow, TableSpec } from '../../engine/index.js';
import { SPARK_TYPES } from './column-types.js';
import type { ResultRow } from './databricks-connection.js';
import { DELETE_FLAG_COLUMN, type MergeStatement } from './merge-statement.js';
import { quoteIdentifier } from './quote-identifier.js';
import { sparkStringLiteral } from './spark-literal.js';

/** Runs one statement; `localPath` is the folder a staging `PUT`/`REMOVE` may touch. */
export type RunStagingStatement = (statement: string, localPath?: string) => Promise<ResultRow[]>;

/** What the staging path needs of a prepared table. */
export interface StagedTable {
  readonly spec: TableSpec;
  readonly target: string;
  readonly merge: MergeStatement;
}

/**
 * The path for large writes, where statement text would be wasteful: the rows (already collapsed to one per
 * key and validated) are written to a JSON-lines file, uploaded into a Unity Catalog volume with the driver's
 * staging `PUT`, loaded with `COPY INTO` into a staging Delta table of the target's columns, and merged from
 * there with the same MERGE as the literal path. The file and the staging table are removed after.
 *
 * Tested only against a real workspace (the opt-in test): the test warehouse has no volumes, and Spark has
 * no `PUT`. A rejected row fails the whole staged write (no bisecting on this path).
 */
export class VolumeStaging {
  constructor(
    private readonly volume: string,
    private readonly minRows: number,
    private readonly run: RunStagingStatement,
  ) {}

  /** True when a table's share of a write is large enough for this path. */
  applies(rows: number): boolean {
    return rows >= this.minRows;
  }

  async merge(table: StagedTable, records: readonly StreamRecord<TableRow>[]): Promise<void> {
    const id = randomUUID().replaceAll('-', '');
    const dir = await mkdtemp(join(tmpdir(), 'cloudpulse-databricks-'));
    const file = join(dir, `${id}.json`);
    const remote = `${this.volume.replace(/\/$/, '')}/cloudpulse/${id}.json`;
    const stage = table.target.replace(/`([^`]|``)*`$/, quoteIdentifier(`cloudpulse_stage_${id}`));
    const withDeletes = records.some((r) => r.op === 'delete');
    const columns = table.spec.columns;
    try {
      await writeFile(file, records.map((r) => JSON.stringify(jsonRow(table.spec, r, withDeletes))).join('\n'));
      await this.run(`PUT ${sparkStringLiteral(file)} INTO ${sparkStringLiteral(remote)} OVERWRITE`, dir);
      const definitions = [...columns.map((c) => `${quoteIdentifier(c.name)} ${SPARK_TYPES[c.type]}`), ...(withDeletes ? [`${quoteIdentifier(DELETE_FLAG_COLUMN)} BOOLEAN`] : [])];
      await this.run(`CREATE TABLE ${stage} (${definitions.join(', ')}) USING DELTA`);
      try {
        const casts = [
          ...columns.map((c) => `CAST(${quoteIdentifier(c.name)} AS ${SPARK_TYPES[c.type]}) AS ${quoteIdentifier(c.name)}`),
          ...(withDeletes ? [`CAST(${quoteIdentifier(DELETE_FLAG_COLUMN)} AS BOOLEAN) AS ${quoteIdentifier(DELETE_FLAG_COLUMN)}`] : []),
        ];
        await this.run(`COPY INTO ${stage} FROM (SELECT ${casts.join(', ')} FROM ${sparkStringLiteral(remote)}) FILEFORMAT = JSON FORMAT_OPTIONS ('primitivesAsString' = 'true') COPY_OPTIONS ('force' = 'true')`);
        await this.run(table.merge.buildFrom(`${stage} AS v`, withDeletes));
      } finally {
        await this.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
        await this.run(`REMOVE ${sparkStringLiteral(remote)}`, dir).catch(() => undefined);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** A row as JSON text fields that `CAST(… AS <type>)` reads back exactly (`primitivesAsString`). */
function jsonRow(spec: TableSpec, record: StreamRecord<TableRow>, withDeletes: boolean): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {};
  const isDelete = record.op === 'delete';
  for (const column of spec.columns) {
    const cell: Cell | undefined = isDelete && !spec.key.includes(column.name) ? null : record.value.row[column.name];
    if (cell === null || cell === undefined) out[column.name] = null;
    else if (column.type === 'timestamptz' && typeof cell === 'number') out[column.name] = new Date(cell).toISOString();
    else out[column.name] = String(cell);
  }
  if (withDeletes) out[DELETE_FLAG_COLUMN] = isDelete;
  return out;
}
