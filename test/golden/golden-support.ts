// Shared code of the golden tests: replay the real files through runReplay into CSV files, read them back,
// and compare them with rows computed independently by SQL in DuckDB over the same input files.
//
// Two comparisons live here on purpose, because the tests mean different things by "equal":
// - `diffTables` (typed rows, `GoldenDb.rows`/`outputTable`): cells typed by the table's column types;
//   an empty text field and SQL NULL differ; every number within RELATIVE_TOLERANCE.
// - `expectSameTextTable` (text rows, `GoldenDb.textRows`/`outputText`): cells as text; an empty field
//   and SQL NULL are the same missing value; integer columns exact and written as whole numbers.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, expect } from 'vitest';
import { runReplay, type ReplayResult } from '../../cli/run-replay.js';
import { DeadLetterFileSink } from '../../connectors/file/dead-letter-file-sink.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import { EngineEvents, type Cell, type ColumnType, type TableSpec, type Topology } from '../../engine/index.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real dataset folder (`../shared/data/<dataset>` from the project root); the golden tests fail, not skip, without it. */
export function realDataDir(dataset: string): string {
  const dir = resolve(PROJECT_ROOT, '..', 'shared', 'data', dataset);
  if (!existsSync(dir)) throw new Error(`real dataset folder ${dir} is missing: the golden tests need ../shared/data (see the project README)`);
  return dir;
}

/** `dir/file` as the body of a SQL string literal. */
export function sqlPath(dir: string, file: string): string {
  return join(dir, file).replaceAll("'", "''");
}

/**
 * SQL `read_csv(...)` of a comma-separated file with a header row, double-quote quoting and an empty field
 * as NULL. `columns` lists every column with the type the topology reads it as (`'id': 'BIGINT', …`), so a
 * value that does not parse fails the load; `extra` adds dialect options (`new_line = '\r\n'`).
 */
export function readCsvSql(dir: string, file: string, columns: string, extra = ''): string {
  return `read_csv('${sqlPath(dir, file)}', header = true, delim = ',', quote = '"', escape = '"', nullstr = ''${extra === '' ? '' : `, ${extra}`}, columns = {${columns}})`;
}

export interface GoldenRun {
  readonly dir: string;
  readonly result: ReplayResult;
  /** `filtered` engine events summed per operator. */
  readonly filtered: ReadonlyMap<string, number>;
  cleanup(): Promise<void>;
}

/** Replays `topology` over the real files into a temporary folder with the CSV file sink and `dead_letter.csv`. */
export async function replayToCsv(
  topology: Topology,
  dataDir: string,
  request: { files?: Record<string, string>; options?: Record<string, string> } = {},
): Promise<GoldenRun> {
  const dir = await mkdtemp(join(tmpdir(), `golden-${topology.name}-`));
  const events = new EngineEvents();
  const filtered = new Map<string, number>();
  events.on((event) => {
    if (event.type === 'filtered') filtered.set(event.operator, (filtered.get(event.operator) ?? 0) + event.count);
  });
  const result = await runReplay({
    topology,
    dataDir,
    events,
    ...(request.files === undefined ? {} : { files: request.files }),
    ...(request.options === undefined ? {} : { options: request.options }),
    sinks: [new FileSink({ dir, format: 'csv', resume: false, fsync: false })],
    deadLetterSink: new DeadLetterFileSink(join(dir, 'dead_letter.csv'), { append: false, fsync: false }),
  });
  return { dir, result, filtered, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** `replayToCsv`, then `check` the run; the output folder is removed whatever happens. */
export async function withReplay(
  topology: Topology,
  dataDir: string,
  request: Parameters<typeof replayToCsv>[2],
  check: (run: GoldenRun) => Promise<void>,
): Promise<void> {
  const run = await replayToCsv(topology, dataDir, request);
  try {
    await check(run);
  } finally {
    await run.cleanup();
  }
}

/** A row as compared by `diffTables`: column → JS value (numbers for numeric, integer and timestamp columns). */
export type GoldenRow = Record<string, Cell>;

/** A row as compared by `expectSameTextTable`: every cell as text, null for a missing value. */
export type TextRow = Record<string, string | null>;

/** Dead letters of a run, counted from `dead_letter.csv`. */
export interface DeadLetterTally {
  readonly byReason: Readonly<Record<string, number>>;
  /** Keyed `<source> <reason>`, e.g. `orders.csv join_miss`. */
  readonly bySourceAndReason: Readonly<Record<string, number>>;
  readonly total: number;
}

const DEAD_LETTER_COLUMNS = `{'source': 'VARCHAR', 'position': 'VARCHAR', 'reason': 'VARCHAR', 'detail': 'VARCHAR', 'field': 'VARCHAR', 'raw': 'VARCHAR'}`;

/** A DuckDB connection for expected results: one thread, so `row_number() OVER ()` follows file order; UTC. */
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

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Rows of a query with BIGINT/HUGEINT and DECIMAL as numbers (for `diffTables`). */
  async rows(sql: string): Promise<GoldenRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: GoldenRow = {};
      for (const [name, value] of Object.entries(row)) out[name] = toCell(value, name);
      return out;
    });
  }

  /** Rows of a query, every cell as text (null stays null), so expected and actual compare alike (for `expectSameTextTable`). */
  async textRows(sql: string): Promise<TextRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: TextRow = {};
      for (const [name, value] of Object.entries(row)) out[name] = value === null || value === undefined ? null : String(value);
      return out;
    });
  }

  /** One number from a query's first row and column. */
  async count(sql: string): Promise<number> {
    const rows = await this.textRows(sql);
    const first = rows[0];
    if (first === undefined) throw new Error(`no row from: ${sql}`);
    return Number(Object.values(first)[0]);
  }

  /** The sum of several `count` queries (e.g. the rows of each input that would be dead-lettered). */
  async sumOfCounts(sqls: readonly string[]): Promise<number> {
    let sum = 0;
    for (const sql of sqls) sum += await this.count(sql);
    return sum;
  }

  /**
   * How far `column` of `table` runs backwards in file order: the largest amount a row is behind the
   * maximum of the rows before it (by `line`). A watermark's out-of-orderness bound must cover it.
   */
  async maxDisorder(table: string, column: string): Promise<number> {
    return this.count(`SELECT max(running - ${column}) FROM (SELECT ${column}, max(${column}) OVER (ORDER BY line) AS running FROM ${table})`);
  }

  /** Reads one of our output tables back from `<dir>/<table>.csv` as text; asserts the header is the table's columns in contract order. */
  async outputText(dir: string, spec: TableSpec): Promise<TextRow[]> {
    const path = join(dir, `${spec.name}.csv`);
    const header = (await readFile(path, 'utf8')).split('\n', 1)[0];
    expect(header, `${spec.name}.csv header`).toBe(spec.columns.map((c) => c.name).join(','));
    const columns = spec.columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
    return this.textRows(`SELECT * FROM ${readCsvSql(dir, `${spec.name}.csv`, columns)}`);
  }

  /**
   * `outputText`, each cell typed by the table's column types (timestamps must be ISO-8601 UTC with
   * milliseconds; integers whole numbers; an empty text field is '').
   */
  async outputTable(dir: string, spec: TableSpec): Promise<GoldenRow[]> {
    const raw = await this.outputText(dir, spec);
    return raw.map((row) => {
      const out: GoldenRow = {};
      for (const column of spec.columns) out[column.name] = parseOutputCell(row[column.name] ?? null, column.type, `${spec.name}.${column.name}`);
      return out;
    });
  }

  /** The dead letters of `<dir>/dead_letter.csv` counted by reason and by source and reason (none when the file does not exist). */
  async deadLetters(dir: string): Promise<DeadLetterTally> {
    const path = join(dir, 'dead_letter.csv');
    const rows = existsSync(path)
      ? await this.textRows(`SELECT source, reason, count(*) AS n FROM read_csv('${sqlPath(dir, 'dead_letter.csv')}', header = true, columns = ${DEAD_LETTER_COLUMNS}) GROUP BY ALL`)
      : [];
    const byReason: Record<string, number> = {};
    const bySourceAndReason: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      const n = Number(row['n']);
      byReason[String(row['reason'])] = (byReason[String(row['reason'])] ?? 0) + n;
      bySourceAndReason[`${String(row['source'])} ${String(row['reason'])}`] = n;
      total += n;
    }
    return { byReason, bySourceAndReason, total };
  }

  /** The dead letters of one reason as sorted `source:position` strings. */
  async deadLetterPositions(dir: string, reason: string): Promise<string[]> {
    const rows = await this.textRows(
      `SELECT source || ':' || position AS p FROM read_csv('${sqlPath(dir, 'dead_letter.csv')}', header = true, columns = ${DEAD_LETTER_COLUMNS}) WHERE reason = '${reason}'`,
    );
    return rows.map((r) => String(r['p'])).sort();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** A `GoldenDb` opened before the file's tests and closed after them. */
export function goldenDbForFile(): { readonly db: GoldenDb } {
  let db: GoldenDb | undefined;
  beforeAll(async () => {
    db = await GoldenDb.open();
  });
  afterAll(() => db?.close());
  return {
    get db(): GoldenDb {
      if (db === undefined) throw new Error('the golden database is not open (beforeAll failed)');
      return db;
    },
  };
}

/** One replay shared by every test of a file, with the `GoldenDb` its expected rows come from. */
export interface SharedReplay {
  readonly run: GoldenRun;
  readonly db: GoldenDb;
}

/**
 * Replays `topology` over `dataDir` once before the file's tests and opens a `GoldenDb` in which `load`
 * creates the input tables; both are released after the tests.
 */
export function replayOnceForFile(topology: Topology, dataDir: string, load: (db: GoldenDb) => Promise<void>): SharedReplay {
  const holder: { run?: GoldenRun; db?: GoldenDb } = {};
  beforeAll(async () => {
    holder.run = await replayToCsv(topology, dataDir);
    holder.db = await GoldenDb.open();
    await load(holder.db);
  }, 180_000);
  afterAll(async () => {
    holder.db?.close();
    await holder.run?.cleanup();
  });
  return {
    get run(): GoldenRun {
      if (holder.run === undefined) throw new Error('the replay has not run (beforeAll failed)');
      return holder.run;
    },
    get db(): GoldenDb {
      if (holder.db === undefined) throw new Error('the golden database is not open (beforeAll failed)');
      return holder.db;
    },
  };
}

/**
 * Asserts that our `spec` table of the replay equals the rows `expectedSql` computes (`expectSameTextTable`)
 * and is not empty; logs its size and returns its rows.
 */
export async function expectTableMatchesSql(replay: SharedReplay, spec: TableSpec, expectedSql: string): Promise<TextRow[]> {
  const expected = await replay.db.textRows(expectedSql);
  const actual = await replay.db.outputText(replay.run.dir, spec);
  expectSameTextTable(spec, actual, expected);
  expect(actual.length, `${spec.name}: rows`).toBeGreaterThan(0);
  console.log(`${spec.name}: ${actual.length} rows`);
  return actual;
}

/**
 * Asserts the replay's dead letters: exactly the `source:line` positions `joinMissesSql` selects (as
 * column `p`) as `join_miss`, `parseErrors` as `parse_error`, nothing else, and the same number reported
 * by the run. Returns the tally for the test's log.
 */
export async function expectJoinMissesAndParseErrors(replay: SharedReplay, joinMissesSql: string, parseErrors: number): Promise<DeadLetterTally> {
  const { db, run } = replay;
  const joinMisses = (await db.textRows(joinMissesSql)).map((r) => String(r['p'])).sort();
  expect(await db.deadLetterPositions(run.dir, 'join_miss')).toEqual(joinMisses);
  const tally = await db.deadLetters(run.dir);
  expect(tally.byReason['join_miss'] ?? 0, 'join_miss dead letters').toBe(joinMisses.length);
  expect(tally.byReason['parse_error'] ?? 0, 'parse_error dead letters').toBe(parseErrors);
  expect(tally.total, 'dead letters').toBe(joinMisses.length + parseErrors);
  expect(run.result.deadLetters).toHaveLength(joinMisses.length + parseErrors);
  return tally;
}

/** Asserts that a run dead-lettered exactly `count` records, all as `parse_error`. */
export async function expectOnlyParseErrors(db: GoldenDb, run: GoldenRun, count: number): Promise<void> {
  const { byReason } = await db.deadLetters(run.dir);
  expect(byReason['parse_error'] ?? 0, 'parse_error dead letters').toBe(count);
  expect(Object.keys(byReason).filter((reason) => reason !== 'parse_error'), 'other dead-letter reasons').toEqual([]);
}

function toCell(value: unknown, name: string): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null && 'toDouble' in value && typeof value.toDouble === 'function') return (value as { toDouble(): number }).toDouble();
  throw new Error(`column ${name}: unexpected DuckDB value ${String(value)} (cast it in SQL)`);
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function parseOutputCell(text: string | null, type: ColumnType, where: string): Cell {
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

/** Relative tolerance of the golden comparisons (issue 3). */
export const RELATIVE_TOLERANCE = 1e-9;

function withinRelative(a: number, b: number, relative: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b));
}

/** Rows by their key; a key seen twice fails, since a sink would have kept only one of the rows. */
function indexByKey<R>(spec: TableSpec, rows: readonly R[], keyOf: (row: R) => string, side: string): Map<string, R> {
  const map = new Map<string, R>();
  for (const row of rows) {
    const key = keyOf(row);
    if (map.has(key)) throw new Error(`${spec.name}: duplicate key ${JSON.stringify(key)} in the ${side} rows`);
    map.set(key, row);
  }
  return map;
}

/**
 * Differences between our typed rows and the expected ones, keyed by the table's key: missing and extra
 * keys, and every cell that differs (numbers beyond RELATIVE_TOLERANCE, anything else not equal, so an
 * empty text and null differ). An empty list means the tables are equal. Expected rows must carry every
 * column of the table.
 */
export function diffTables(spec: TableSpec, actual: readonly GoldenRow[], expected: readonly GoldenRow[], limit = 20): string[] {
  const keyOf = (row: GoldenRow): string => JSON.stringify(spec.key.map((k) => row[k] ?? null));
  const ours = indexByKey(spec, actual, keyOf, 'actual');
  const theirs = indexByKey(spec, expected, keyOf, 'expected');
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
      const equal = typeof a === 'number' && typeof e === 'number' ? withinRelative(a, e, RELATIVE_TOLERANCE) : a === e;
      if (!equal) problems.push(`${spec.name} ${key}.${column.name}: ours ${String(a)}, expected ${String(e)}`);
    }
  }
  return problems.length <= limit ? problems : [...problems.slice(0, limit), `… and ${problems.length - limit} more differences`];
}

/**
 * Asserts our text rows equal the expected ones: the same key set, and every column equal — numeric
 * columns within `relative` tolerance, integer columns exactly (and written as whole numbers), text
 * columns exactly (an empty field and SQL NULL are the same missing value).
 */
export function expectSameTextTable(spec: TableSpec, actual: readonly TextRow[], expected: readonly TextRow[], relative = RELATIVE_TOLERANCE): void {
  const keyOf = (row: TextRow): string => spec.key.map((k) => row[k] ?? '').join('\u0001');
  const ours = indexByKey(spec, actual, keyOf, 'output');
  const theirs = indexByKey(spec, expected, keyOf, 'SQL');
  expect([...ours.keys()].sort(), `${spec.name}: key set`).toEqual([...theirs.keys()].sort());
  const problems: string[] = [];
  for (const [key, want] of theirs) {
    const got = ours.get(key)!;
    for (const column of spec.columns) {
      const a = got[column.name] ?? null;
      const e = want[column.name] ?? null;
      const where = `${spec.name}[${key.replaceAll('\u0001', ' | ')}].${column.name}`;
      if (column.type === 'numeric' || column.type === 'integer') {
        if (a === null || e === null) {
          if (a !== e && !(a === null && e === '') && !(e === null && a === '')) problems.push(`${where}: got ${a}, expected ${e}`);
          continue;
        }
        const x = Number(a);
        const y = Number(e);
        if (column.type === 'integer' && !/^-?\d+$/.test(a)) problems.push(`${where}: ${a} is not written as a whole number`);
        if (Number.isNaN(x) || !withinRelative(x, y, column.type === 'integer' ? 0 : relative)) problems.push(`${where}: got ${a}, expected ${e}`);
      } else if ((a ?? '') !== (e ?? '')) {
        problems.push(`${where}: got ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`);
      }
    }
  }
  expect(problems.slice(0, 20), `${spec.name}: ${problems.length} differing cells`).toEqual([]);
}
