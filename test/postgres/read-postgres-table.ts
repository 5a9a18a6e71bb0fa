import pg from 'pg';
import { qualifiedName, quoteIdentifier } from '../../connectors/postgres/quote-identifier.js';
import type { Cell, TableSpec } from '../../engine/index.js';

const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;
const DATE = 1082;

/** Values as the engine's cells: integers and numerics as numbers, timestamptz as epoch ms, dates as `YYYY-MM-DD`. */
const cellTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
    if (oid === INT8 || oid === NUMERIC) return (text) => Number(text);
    if (oid === TIMESTAMPTZ) return (text) => Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
    if (oid === DATE) return (text) => text;
    return pg.types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
  },
};

/** Every row of a declared table, its declared columns only, as cells; sorted by key for comparisons. */
export async function readPostgresTable(client: pg.ClientBase, schema: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  const columns = spec.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const result = await client.query<Record<string, Cell>>({
    text: `SELECT ${columns} FROM ${qualifiedName(schema, spec.name)}`,
    types: cellTypes,
  });
  return sortRows(spec, result.rows);
}

/** Rows sorted by their key columns (JSON of the key values), so two reads compare with `toEqual`. */
export function sortRows(spec: TableSpec, rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const keyOf = (row: Record<string, Cell>): string => JSON.stringify(spec.key.map((k) => row[k] ?? null));
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}
