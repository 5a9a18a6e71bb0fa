import type { ClientBase } from 'pg';
import { ConfigError, PermanentError, type TableSpec } from '../../engine/index.js';
import { isCompatibleType, SQL_TYPES } from './column-types.js';
import { checkIdentifier, qualifiedName, quoteIdentifier } from './quote-identifier.js';

interface ExistingColumn {
  readonly name: string;
  readonly type: string;
  readonly not_null: boolean;
  readonly has_default: boolean;
}

/** What `ensureTable` changed, for the log. */
export interface TableChange {
  readonly created: boolean;
  readonly addedColumns: readonly string[];
}

/**
 * Checks that a declared table can be written: identifiers PostgreSQL stores exactly, no duplicate
 * columns, key columns among the columns. Fails with a `ConfigError` naming the table and column.
 */
export function checkTableSpec(spec: TableSpec): void {
  const path = `tables.${spec.name}`;
  checkIdentifier(spec.name, path);
  const names = new Set<string>();
  for (const column of spec.columns) {
    checkIdentifier(column.name, `${path}.${column.name}`);
    if (names.has(column.name)) throw new ConfigError(`${path}.${column.name}`, `column ${JSON.stringify(column.name)} is declared twice`);
    names.add(column.name);
  }
  if (spec.key.length === 0) throw new ConfigError(`${path}.key`, `table ${JSON.stringify(spec.name)} declares no key columns; the PostgreSQL sink upserts on the key`);
  for (const key of spec.key) {
    if (!names.has(key)) throw new ConfigError(`${path}.key`, `key column ${JSON.stringify(key)} is not among the columns of ${JSON.stringify(spec.name)}`);
  }
}

/**
 * Creates the table from its declaration when missing (primary key on the key columns), adds
 * declared columns it lacks as nullable, and fails at start (`PermanentError`, code
 * `postgres_schema_mismatch`, naming table and column) when the existing table cannot take the
 * declared rows: another type, a missing key column, no unique index on the key, or an undeclared
 * NOT NULL column without default. Runs inside the caller's transaction.
 */
export async function ensureTable(client: ClientBase, schema: string, spec: TableSpec): Promise<TableChange> {
  const table = qualifiedName(schema, spec.name);
  const found = await client.query<{ oid: number }>(
    `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, spec.name],
  );
  const oid = found.rows[0]?.oid;
  if (oid === undefined) {
    const columns = spec.columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPES[c.type]}`);
    columns.push(`PRIMARY KEY (${spec.key.map((k) => quoteIdentifier(k)).join(', ')})`);
    await client.query(`CREATE TABLE ${table} (${columns.join(', ')})`);
    return { created: true, addedColumns: [] };
  }

  const existing = await client.query<ExistingColumn>(
    `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS has_default
       FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  const byName = new Map(existing.rows.map((row) => [row.name, row]));
  const where = (column: string): string => `postgres table ${table} column ${quoteIdentifier(column)}`;
  const mismatch = (message: string): PermanentError =>
    new PermanentError(`${message}; migrate or drop the table, or write to another schema`, { code: 'postgres_schema_mismatch' });

  const missing = spec.columns.filter((c) => !byName.has(c.name));
  for (const column of spec.columns) {
    const current = byName.get(column.name);
    if (current !== undefined && !isCompatibleType(column.type, current.type)) {
      throw mismatch(`${where(column.name)}: the database has ${current.type}, the topology declares ${column.type} (${SQL_TYPES[column.type]})`);
    }
  }
  for (const key of spec.key) {
    if (!byName.has(key)) throw mismatch(`${where(key)}: key column is missing from the existing table and cannot be added to its primary key`);
  }
  const declared = new Set(spec.columns.map((c) => c.name));
  for (const row of existing.rows) {
    if (!declared.has(row.name) && row.not_null && !row.has_default) {
      throw mismatch(`${where(row.name)}: NOT NULL without default, and the topology does not write it`);
    }
  }
  const unique = await client.query<{ columns: string[] }>(
    `SELECT array_agg(a.attname::text) AS columns FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL GROUP BY i.indexrelid`,
    [oid],
  );
  const keySet = [...spec.key].sort().join('\u0000');
  if (!unique.rows.some((row) => [...row.columns].sort().join('\u0000') === keySet)) {
    throw mismatch(`postgres table ${table}: no primary key or unique index on the key (${spec.key.map((k) => quoteIdentifier(k)).join(', ')})`);
  }
  for (const column of missing) {
    await client.query(`ALTER TABLE ${table} ADD COLUMN ${quoteIdentifier(column.name)} ${SQL_TYPES[column.type]}`);
  }
  return { created: false, addedColumns: missing.map((c) => c.name) };
}
