import { ConfigError, PermanentError, type TableSpec } from '../../engine/index.js';
import { isCompatibleSparkType, SPARK_TYPES } from './column-types.js';
import type { ResultRow } from './databricks-connection.js';
import { DELETE_FLAG_COLUMN } from './merge-statement.js';
import { checkIdentifier, quoteIdentifier } from './quote-identifier.js';

/** Runs one statement and returns its rows. */
export type RunStatement = (statement: string) => Promise<ResultRow[]>;

/** What `ensureDeltaTable` changed, for the log. */
export interface TableChange {
  readonly addedColumns: readonly string[];
}

/**
 * Checks that a declared table can be written: identifiers Spark takes as given, no duplicate columns,
 * key columns among the columns, no column named like the sink's delete flag. Fails with a `ConfigError`
 * naming the table and column.
 */
export function checkTableSpec(spec: TableSpec): void {
  const path = `tables.${spec.name}`;
  checkIdentifier(spec.name, path);
  const names = new Set<string>();
  for (const column of spec.columns) {
    checkIdentifier(column.name, `${path}.${column.name}`);
    const folded = column.name.toLowerCase();
    // Spark resolves column names case-insensitively: `Price` and `price` are one column.
    if (names.has(folded)) throw new ConfigError(`${path}.${column.name}`, `column ${JSON.stringify(column.name)} is declared twice (Spark ignores case)`);
    if (folded === DELETE_FLAG_COLUMN) throw new ConfigError(`${path}.${column.name}`, `column name ${DELETE_FLAG_COLUMN} is reserved by the Databricks sink`);
    names.add(folded);
  }
  if (spec.key.length === 0) throw new ConfigError(`${path}.key`, `table ${JSON.stringify(spec.name)} declares no key columns; the Databricks sink merges on the key`);
  for (const key of spec.key) {
    if (!spec.columns.some((c) => c.name === key)) throw new ConfigError(`${path}.key`, `key column ${JSON.stringify(key)} is not among the columns of ${JSON.stringify(spec.name)}`);
  }
}

/**
 * Creates the Delta table when missing (`CREATE TABLE IF NOT EXISTS … USING DELTA`, declared columns and
 * types, key columns NOT NULL), then {@link addMissingColumns}.
 */
export async function ensureDeltaTable(run: RunStatement, target: string, spec: TableSpec): Promise<TableChange> {
  const columns = spec.columns.map((c) => `${quoteIdentifier(c.name)} ${SPARK_TYPES[c.type]}${spec.key.includes(c.name) ? ' NOT NULL' : ''}`);
  await run(`CREATE TABLE IF NOT EXISTS ${target} (${columns.join(', ')}) USING DELTA`);
  return addMissingColumns(run, target, spec);
}

/**
 * Adds the declared columns an existing Delta table lacks (`ALTER TABLE … ADD COLUMNS`, nullable; nothing
 * when it has them all, so a repeat is harmless), and fails (`PermanentError`, code
 * `databricks_schema_mismatch`, naming table and column) when an existing column cannot take the declared
 * values or a key column is missing. Reads the table with `DESCRIBE TABLE`, whose cells are text in every
 * result format.
 */
export async function addMissingColumns(run: RunStatement, target: string, spec: TableSpec): Promise<TableChange> {
  const existing = await describeColumns(run, target);
  const added: string[] = [];
  for (const column of spec.columns) {
    const type = existing.get(column.name.toLowerCase());
    if (type === undefined) {
      if (spec.key.includes(column.name)) {
        throw new PermanentError(`databricks: table ${target} has no key column ${column.name}: merging on the declared key is impossible`, { code: 'databricks_schema_mismatch' });
      }
      added.push(column.name);
      continue;
    }
    if (!isCompatibleSparkType(column.type, type)) {
      throw new PermanentError(`databricks: column ${column.name} of ${target} is ${type}, which cannot hold the declared ${column.type} (${SPARK_TYPES[column.type]})`, {
        code: 'databricks_schema_mismatch',
      });
    }
  }
  if (added.length > 0) {
    const list = added.map((name) => `${quoteIdentifier(name)} ${SPARK_TYPES[spec.columns.find((c) => c.name === name)!.type]}`);
    await run(`ALTER TABLE ${target} ADD COLUMNS (${list.join(', ')})`);
  }
  return { addedColumns: added };
}

/** Column name (lower case) → type text, from `DESCRIBE TABLE` (up to its first blank or `#` line). */
async function describeColumns(run: RunStatement, target: string): Promise<Map<string, string>> {
  const rows = await run(`DESCRIBE TABLE ${target}`);
  const columns = new Map<string, string>();
  for (const row of rows) {
    const name = String(row['col_name'] ?? '').trim();
    if (name === '' || name.startsWith('#')) break;
    columns.set(name.toLowerCase(), String(row['data_type'] ?? ''));
  }
  return columns;
}
