import type { ClientBase } from 'pg';
import { ConfigError, type ColumnSpec, type TableSpec } from '../../../engine/index.js';
import { checkIdentifier, qualifiedName } from '../quote-identifier.js';
import { columnMapping, type ColumnMapping, type SourceTypeInfo } from './column-mapping.js';

/** One column of a source table with the way its values become cells. */
export interface SourceColumn {
  readonly name: string;
  readonly type: SourceTypeInfo;
  readonly mapping: ColumnMapping;
}

/** A selected source table as the catalog describes it, with the output table it becomes. */
export interface SourceTable {
  /** As written in the config (`schema.table` or `table`). */
  readonly selector: string;
  readonly schema: string;
  readonly name: string;
  readonly oid: number;
  /** `"schema"."table"`. */
  readonly qualified: string;
  readonly columns: readonly SourceColumn[];
  /** Primary key columns in index order, or the configured key. */
  readonly key: readonly string[];
  /** The output table: same name, mapped column types, the key kept. */
  readonly spec: TableSpec;
  /** `pg_class.reltuples` (-1 when never analyzed). */
  readonly estimatedRows: number;
}

interface TableRow {
  oid: number;
  relkind: string;
  relreplident: string;
  reltuples: number;
}

/** A column's type as the catalog queries read it (domains resolved to their base type). */
export interface ColumnRow {
  name: string;
  oid: number;
  type_name: string;
  category: string;
  elem_oid: number;
  elem_name: string | null;
  elem_category: string | null;
  delimiter: string;
}

/** `schema.table` → ['schema', 'table']; a bare name is in `public`. */
export function splitTableName(selector: string): [string, string] {
  const dot = selector.indexOf('.');
  return dot < 0 ? ['public', selector] : [selector.slice(0, dot), selector.slice(dot + 1)];
}

/**
 * Reads the selected tables from the catalog: columns (generated columns excluded, as logical
 * replication does), their type mapping, and the primary key. A table without a primary key is refused
 * unless `keys` names its key; while following changes such a table also needs `REPLICA IDENTITY FULL`,
 * so that updates and deletes carry the old key. Fails with a `ConfigError` naming `tables.<name>`.
 */
export async function describeTables(client: ClientBase, selectors: readonly string[], keys: Readonly<Record<string, readonly string[]>>, streaming: boolean): Promise<SourceTable[]> {
  const tables: SourceTable[] = [];
  const byTarget = new Map<string, string>();
  for (const selector of selectors) {
    const path = `tables.${selector}`;
    const [schema, name] = splitTableName(selector);
    checkIdentifier(schema, path);
    checkIdentifier(name, path);
    const found = await client.query<TableRow>(
      `SELECT c.oid::int AS oid, c.relkind::text AS relkind, c.relreplident::text AS relreplident, c.reltuples::float8 AS reltuples
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, name],
    );
    const table = found.rows[0];
    if (table === undefined) throw new ConfigError(path, `no table ${schema}.${name} in the source database`);
    if (table.relkind !== 'r' && table.relkind !== 'p') throw new ConfigError(path, `${schema}.${name} is not a table (relkind ${table.relkind}); logical replication publishes tables only`);
    const other = byTarget.get(name);
    if (other !== undefined) throw new ConfigError(path, `${selector} and ${other} would both become table ${JSON.stringify(name)} in the target`);
    byTarget.set(name, selector);

    const columnRows = await client.query<ColumnRow>(
      `SELECT a.attname::text AS name, b.oid::int AS oid, format_type(a.atttypid, a.atttypmod) AS type_name, b.typcategory::text AS category,
              CASE WHEN b.typcategory = 'A' THEN b.typelem::int ELSE 0 END AS elem_oid,
              format_type(e.oid, NULL) AS elem_name, e.typcategory::text AS elem_category, coalesce(e.typdelim, ',')::text AS delimiter
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
         LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum`,
      [table.oid],
    );
    const columns = columnRows.rows.map((row) => sourceColumn(row, path));
    if (columns.length === 0) throw new ConfigError(path, `${schema}.${name} has no columns to copy`);

    const primary = await client.query<{ name: string }>(
      `SELECT a.attname::text AS name FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`,
      [table.oid],
    );
    const configured = keys[selector];
    const key = configured ?? primary.rows.map((row) => row.name);
    if (key.length === 0) {
      throw new ConfigError(path, `${schema}.${name} has no primary key: add one, or name its key columns (--key ${selector}=col1,col2)`);
    }
    const names = new Set(columns.map((c) => c.name));
    for (const column of key) if (!names.has(column)) throw new ConfigError(`${path}.key`, `key column ${JSON.stringify(column)} is not a column of ${schema}.${name}`);
    if (streaming) checkReplicaIdentity(path, `${schema}.${name}`, table.relreplident, primary.rows.length > 0 && configured === undefined);

    const outputColumns: ColumnSpec[] = columns.map((c) => ({ name: c.name, type: c.mapping.type }));
    tables.push({
      selector,
      schema,
      name,
      oid: table.oid,
      qualified: qualifiedName(schema, name),
      columns,
      key,
      spec: { name, description: `${schema}.${name} from PostgreSQL`, columns: outputColumns, key },
      estimatedRows: table.reltuples,
    });
  }
  return tables;
}

/** The source column of a catalog row; its name must be an identifier the sinks store exactly. */
export function sourceColumn(row: ColumnRow, path: string): SourceColumn {
  checkIdentifier(row.name, `${path}.${row.name}`);
  const type: SourceTypeInfo = { oid: row.oid, name: row.type_name, category: row.category, elementOid: row.elem_oid, delimiter: row.delimiter };
  const element = row.elem_oid === 0 ? undefined : { oid: row.elem_oid, name: row.elem_name ?? '', category: row.elem_category ?? '', elementOid: 0 };
  return { name: row.name, type, mapping: columnMapping(type, element) };
}

/** Updates and deletes must carry the old key: the primary key (replica identity default) or the whole old row (full). */
function checkReplicaIdentity(path: string, table: string, identity: string, keyIsPrimary: boolean): void {
  if (identity === 'f') return;
  if (identity === 'd' && keyIsPrimary) return;
  const what = identity === 'd' ? 'default (the primary key), which is not the configured key' : identity === 'n' ? 'nothing' : 'an index other than the primary key';
  throw new ConfigError(path, `${table} has REPLICA IDENTITY ${what}: its updates and deletes would not carry the key; run ALTER TABLE ${table} REPLICA IDENTITY FULL`);
}
