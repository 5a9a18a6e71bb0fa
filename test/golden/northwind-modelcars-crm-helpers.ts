// Golden-test helpers of the northwind, modelcars and crm-pipeline topologies: replay the real files
// through runReplay into CSV files, read them back, and compare them with rows computed independently
// by SQL in DuckDB over the same input files.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { expect } from 'vitest';
import { runReplay, type ReplayResult } from '../../cli/run-replay.js';
import { DeadLetterFileSink } from '../../connectors/file/dead-letter-file-sink.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import { EngineEvents, type TableSpec, type Topology } from '../../engine/index.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real dataset folder (`../shared/data/<dataset>`); the golden tests fail, not skip, without it. */
export function salesDataDir(dataset: string): string {
  const dir = resolve(PROJECT_ROOT, '..', 'shared', 'data', dataset);
  if (!existsSync(dir)) throw new Error(`real dataset folder ${dir} is missing: the golden tests need ../shared/data`);
  return dir;
}

/** A cell as compared: text, or null for a missing value (an empty CSV field). */
export type TextRow = Record<string, string | null>;

export interface SalesGoldenRun {
  readonly dir: string;
  readonly result: ReplayResult;
  /** `filtered` engine events summed per operator. */
  readonly filtered: ReadonlyMap<string, number>;
  cleanup(): Promise<void>;
}

/** Replays `topology` over a real dataset folder into a temporary folder (CSV file sink + dead_letter.csv). */
export async function replaySalesGolden(topology: Topology, dataDir: string): Promise<SalesGoldenRun> {
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
    sinks: [new FileSink({ dir, format: 'csv', resume: false, fsync: false })],
    deadLetterSink: new DeadLetterFileSink(join(dir, 'dead_letter.csv'), { append: false, fsync: false }),
  });
  return { dir, result, filtered, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A DuckDB connection: one thread, so `row_number() OVER ()` follows file order; UTC. */
export class SalesGoldenDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<SalesGoldenDb> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run("SET threads = 1; SET preserve_insertion_order = true; SET TimeZone = 'UTC'");
    return new SalesGoldenDb(instance, connection);
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Rows of a query, every cell as text (null stays null), so expected and actual compare alike. */
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

  /** Reads `<dir>/<table>.csv` back: the header must be the table's columns in contract order. */
  async outputRows(dir: string, spec: TableSpec): Promise<TextRow[]> {
    const path = join(dir, `${spec.name}.csv`);
    const header = (await readFile(path, 'utf8')).split('\n', 1)[0];
    expect(header, `${spec.name}.csv header`).toBe(spec.columns.map((c) => c.name).join(','));
    const columns = spec.columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
    return this.textRows(`SELECT * FROM read_csv('${path}', header = true, delim = ',', quote = '"', escape = '"', nullstr = '', columns = {${columns}})`);
  }

  /** Dead letters of the run by (source, reason), from `<dir>/dead_letter.csv`. */
  async deadLetterCounts(dir: string): Promise<Record<string, number>> {
    const rows = await this.textRows(
      `SELECT source || ' ' || reason AS k, count(*) AS n FROM read_csv('${join(dir, 'dead_letter.csv')}', header = true, all_varchar = true) GROUP BY ALL`,
    );
    return Object.fromEntries(rows.map((r) => [String(r['k']), Number(r['n'])]));
  }

  /** The dead letters of one reason as sorted `source:position` strings. */
  async deadLetterPositions(dir: string, reason: string): Promise<string[]> {
    const rows = await this.textRows(
      `SELECT source || ':' || position AS p FROM read_csv('${join(dir, 'dead_letter.csv')}', header = true, all_varchar = true) WHERE reason = '${reason}'`,
    );
    return rows.map((r) => String(r['p'])).sort();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function numbersMatch(actual: number, expected: number, relative: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= relative * Math.max(Math.abs(actual), Math.abs(expected));
}

/**
 * Compares our table with the expected rows: the same key set, and every column equal — numeric
 * columns within `relative` tolerance, integer columns exactly (and written as whole numbers), text
 * columns exactly (an empty field and SQL NULL are the same missing value).
 */
export function expectSameTable(spec: TableSpec, actual: readonly TextRow[], expected: readonly TextRow[], relative = 1e-9): void {
  const keyOf = (row: TextRow): string => spec.key.map((k) => row[k] ?? '').join('\u0001');
  const index = (rows: readonly TextRow[], side: string): Map<string, TextRow> => {
    const map = new Map<string, TextRow>();
    for (const row of rows) {
      const key = keyOf(row);
      if (map.has(key)) throw new Error(`${spec.name}: ${side} has key ${JSON.stringify(key)} twice`);
      map.set(key, row);
    }
    return map;
  };
  const ours = index(actual, 'output');
  const theirs = index(expected, 'SQL');
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
        if (Number.isNaN(x) || !numbersMatch(x, y, column.type === 'integer' ? 0 : relative)) problems.push(`${where}: got ${a}, expected ${e}`);
      } else if ((a ?? '') !== (e ?? '')) {
        problems.push(`${where}: got ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`);
      }
    }
  }
  expect(problems.slice(0, 20), `${spec.name}: ${problems.length} differing cells`).toEqual([]);
}
