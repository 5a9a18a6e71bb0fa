// Golden-test helpers of the nvda, salaries and world-economy topologies: replay the real files through
// runReplay into CSV files, read them back, and compare them with rows computed independently in DuckDB.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runReplay, type ReplayResult } from '../../cli/run-replay.js';
import { DeadLetterFileSink } from '../../connectors/file/dead-letter-file-sink.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import type { Cell, TableSpec, Topology } from '../../engine/index.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real datasets (`../shared/data` from the project root); the golden tests fail, not skip, without them. */
export function realDataDir(dataset: string): string {
  const dir = resolve(PROJECT_ROOT, '..', 'shared', 'data', dataset);
  if (!existsSync(dir)) throw new Error(`real dataset folder ${dir} is missing: the golden tests need ../shared/data (see the project README)`);
  return dir;
}

/** A row as compared: column → JS value (numbers for numeric, integer and timestamp columns). */
export type GoldenRow = Record<string, Cell>;

export interface GoldenRun {
  readonly dir: string;
  readonly result: ReplayResult;
  cleanup(): Promise<void>;
}

/** Replays `topology` over the real files into a temporary folder with the CSV file sink and the dead-letter file. */
export async function replayToCsv(
  topology: Topology,
  dataDir: string,
  request: { files?: Record<string, string>; options?: Record<string, string> } = {},
): Promise<GoldenRun> {
  const dir = await mkdtemp(join(tmpdir(), `golden-${topology.name}-`));
  const result = await runReplay({
    topology,
    dataDir,
    ...(request.files === undefined ? {} : { files: request.files }),
    ...(request.options === undefined ? {} : { options: request.options }),
    sinks: [new FileSink({ dir, format: 'csv', resume: false, fsync: false })],
    deadLetterSink: new DeadLetterFileSink(join(dir, 'dead_letter.csv'), { append: false, fsync: false }),
  });
  return { dir, result, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A DuckDB connection for expected results: one thread, so `row_number() OVER ()` follows file order. */
export class GoldenDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<GoldenDb> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run("SET threads = 1; SET preserve_insertion_order = true; SET TimeZone = 'UTC'");
    return new GoldenDb(instance, connection);
  }

  /** Runs SQL and returns its rows with BIGINT/HUGEINT as numbers. */
  async rows(sql: string): Promise<GoldenRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: GoldenRow = {};
      for (const [name, value] of Object.entries(row)) out[name] = toCell(value, name);
      return out;
    });
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /**
   * Reads one of our output tables back from `<dir>/<table>.csv`: checks the header is the table's
   * columns in contract order, then types each cell by the table's column types (timestamps must be
   * ISO-8601 UTC with milliseconds; integers whole numbers; an empty text field is '').
   */
  async outputTable(dir: string, spec: TableSpec): Promise<GoldenRow[]> {
    const path = join(dir, `${spec.name}.csv`);
    const header = (await readFile(path, 'utf8')).split('\n', 1)[0];
    if (header !== spec.columns.map((c) => c.name).join(',')) throw new Error(`${path}: header "${header}" is not the contract's column order`);
    const columns = spec.columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
    const raw = await this.rows(`SELECT * FROM read_csv('${path}', header = true, columns = {${columns}}, nullstr = '', quote = '"', escape = '"')`);
    return raw.map((row) => {
      const out: GoldenRow = {};
      for (const column of spec.columns) {
        const text = row[column.name];
        out[column.name] = parseOutputCell(typeof text === 'string' ? text : null, column.type, `${spec.name}.${column.name}`);
      }
      return out;
    });
  }

  /** Counts of `<dir>/dead_letter.csv` by reason (empty when the file has no rows or does not exist). */
  async deadLetterCounts(dir: string): Promise<Record<string, number>> {
    const path = join(dir, 'dead_letter.csv');
    if (!existsSync(path)) return {};
    const rows = await this.rows(
      `SELECT reason, count(*) AS n FROM read_csv('${path}', header = true, all_varchar = true, columns = {'source': 'VARCHAR', 'position': 'VARCHAR', 'reason': 'VARCHAR', 'detail': 'VARCHAR', 'field': 'VARCHAR', 'raw': 'VARCHAR'}) GROUP BY reason`,
    );
    return Object.fromEntries(rows.map((r) => [String(r['reason']), Number(r['n'])]));
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function toCell(value: unknown, name: string): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null && 'toDouble' in value && typeof value.toDouble === 'function') return (value as { toDouble(): number }).toDouble();
  throw new Error(`column ${name}: unexpected DuckDB value ${String(value)} (cast it in SQL)`);
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function parseOutputCell(text: string | null, type: TableSpec['columns'][number]['type'], where: string): Cell {
  if (type === 'text') return text ?? '';
  if (text === null) return null;
  switch (type) {
    case 'timestamptz':
      if (!ISO_UTC_MS.test(text)) throw new Error(`${where}: "${text}" is not an ISO-8601 UTC timestamp`);
      return Date.parse(text);
    case 'integer': {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) throw new Error(`${where}: "${text}" is not a whole number`);
      return n;
    }
    case 'numeric': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${where}: "${text}" is not a number`);
      return n;
    }
    default:
      return text;
  }
}

/** Relative tolerance of the golden comparison (issue 3). */
export const RELATIVE_TOLERANCE = 1e-9;

function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Differences between our rows and the expected ones, keyed by the table's key: missing and extra keys,
 * and every cell that differs (numbers beyond the relative tolerance, anything else not equal).
 * An empty list means the tables are equal. Expected rows must carry every column of the table.
 */
export function diffTables(spec: TableSpec, actual: readonly GoldenRow[], expected: readonly GoldenRow[], limit = 20): string[] {
  const keyOf = (row: GoldenRow): string => JSON.stringify(spec.key.map((k) => row[k] ?? null));
  const index = (rows: readonly GoldenRow[], side: string): Map<string, GoldenRow> => {
    const map = new Map<string, GoldenRow>();
    for (const row of rows) {
      const key = keyOf(row);
      if (map.has(key)) throw new Error(`${spec.name}: duplicate key ${key} in the ${side} rows`);
      map.set(key, row);
    }
    return map;
  };
  const ours = index(actual, 'actual');
  const theirs = index(expected, 'expected');
  const problems: string[] = [];
  for (const key of theirs.keys()) if (!ours.has(key)) problems.push(`${spec.name} ${key}: missing from our output`);
  for (const key of ours.keys()) if (!theirs.has(key)) problems.push(`${spec.name} ${key}: not in the expected rows`);
  for (const [key, want] of theirs) {
    const got = ours.get(key);
    if (got === undefined) continue;
    for (const column of spec.columns) {
      if (!(column.name in want)) throw new Error(`${spec.name}: expected rows lack column ${column.name}`);
      const a = got[column.name] ?? null;
      const e = want[column.name] ?? null;
      const equal = typeof a === 'number' && typeof e === 'number' ? sameNumber(a, e) : a === e;
      if (!equal) problems.push(`${spec.name} ${key}.${column.name}: ours ${String(a)}, expected ${String(e)}`);
    }
  }
  return problems.length <= limit ? problems : [...problems.slice(0, limit), `… and ${problems.length - limit} more differences`];
}
