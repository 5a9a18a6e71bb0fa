import type pg from 'pg';
import { quoteIdentifier } from '../../connectors/postgres/quote-identifier.js';
import type { ColumnType, TableSpec } from '../../engine/index.js';

/** How a source column's values compare, from its PostgreSQL type (not from the migration's mapping). */
type ValueKind = 'integer' | 'number' | 'date' | 'timestamp' | 'boolean' | 'text';

interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  readonly category: string;
}

/** A source table as the comparison sees it: its columns, key and rows (each value one comparable text, null for NULL), sorted. */
export interface SourceRows {
  readonly columns: readonly { readonly name: string; readonly kind: ValueKind }[];
  readonly key: readonly string[];
  readonly rows: (string | null)[][];
  /** The columns as a table declaration: what a target is read back with (integers, numbers, dates, epoch ms). */
  readonly spec: TableSpec;
}

const KIND_TYPES: Readonly<Record<ValueKind, ColumnType>> = { integer: 'integer', number: 'numeric', date: 'date', timestamp: 'timestamptz', boolean: 'boolean', text: 'text' };

/**
 * Reads a source table with SQL that renders each value by its declared PostgreSQL type: integers and
 * numerics as decimal text, dates as `YYYY-MM-DD`, timestamps as UTC epoch milliseconds (microseconds cut, as every target keeps milliseconds), booleans as
 * `true`/`false`, JSON as normalized jsonb text, arrays as JSON, everything else as PostgreSQL's text output.
 */
export async function readSourceRows(client: pg.ClientBase, schema: string, table: string): Promise<SourceRows> {
  const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  const catalog = await client.query<CatalogColumn>(
    `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory::text AS category
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [qualified],
  );
  const key = await client.query<{ name: string }>(
    `SELECT a.attname::text AS name FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n`,
    [qualified],
  );
  const columns = catalog.rows.map((c) => ({ name: c.name, kind: kindOf(c), expression: expressionOf(c) }));
  const result = await client.query<string[]>({ text: `SELECT ${columns.map((c) => c.expression).join(', ')} FROM ${qualified}`, rowMode: 'array' });
  const rows = (result.rows as unknown as (string | null)[][]).map((row) => row.map((value, i) => (value === null ? null : normalize(columns[i]!.kind, value))));
  return {
    columns: columns.map(({ name, kind }) => ({ name, kind })),
    key: key.rows.map((k) => k.name),
    rows: rows.sort(compareRows),
    spec: { name: table, columns: columns.map((c) => ({ name: c.name, type: KIND_TYPES[c.kind] })), key: key.rows.map((k) => k.name) },
  };
}

/** Target rows (documents, Delta rows) rendered as {@link readSourceRows} renders the source's, sorted. */
export function comparableRows(source: SourceRows, rows: readonly Readonly<Record<string, unknown>>[]): (string | null)[][] {
  return rows
    .map((row) =>
      source.columns.map(({ name, kind }) => {
        const value = row[name];
        if (value === null || value === undefined) return null;
        if (kind === 'timestamp') return String(typeof value === 'number' ? value : Date.parse(String(value)));
        return normalize(kind, String(value));
      }),
    )
    .sort(compareRows);
}

/** The key of a source row (its key columns' texts joined), as the tests name documents and rows. */
export function keyOfRow(source: SourceRows, row: readonly (string | null)[]): string {
  return source.key.map((k) => row[source.columns.findIndex((c) => c.name === k)] ?? '').join('\u0001');
}

function kindOf(column: CatalogColumn): ValueKind {
  if (/^(smallint|integer|bigint|oid)$/.test(column.type)) return 'integer';
  if (column.category === 'N') return 'number';
  if (column.type === 'date') return 'date';
  if (column.type.startsWith('timestamp')) return 'timestamp';
  if (column.type === 'boolean') return 'boolean';
  return 'text';
}

function expressionOf(column: CatalogColumn): string {
  const c = quoteIdentifier(column.name);
  if (column.type.startsWith('timestamp')) return `floor(extract(epoch FROM ${c}) * 1000)::bigint::text`;
  if (column.type === 'date') return `to_char(${c}, 'YYYY-MM-DD')`;
  if (column.type === 'json' || column.type === 'jsonb') return `${c}::jsonb::text`;
  if (column.category === 'A') return `array_to_json(${c})::jsonb::text`;
  return `${c}::text`;
}

/** One text per value: numbers as the shortest decimal of their double (DOUBLE and `double` targets hold no more), booleans spelled out. */
function normalize(kind: ValueKind, text: string): string {
  if (kind === 'integer' || kind === 'number') return String(Number(text));
  if (kind === 'boolean') return text === 't' || text === 'true' ? 'true' : 'false';
  return text;
}

function compareRows(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
