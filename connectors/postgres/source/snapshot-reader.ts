import type pg from 'pg';
import { quoteIdentifier } from '../quote-identifier.js';
import { rawTextTypes } from './client-config.js';
import type { SourceTable } from './table-catalog.js';

/** One row of a snapshot page: each column's text output (null for NULL), in `table.columns` order. */
export type RawRow = readonly (string | null)[];

/**
 * Reads a table in primary-key order, `chunkRows` rows per query, by keyset pagination
 * (`WHERE (key) > (last key) ORDER BY key LIMIT n`): each query uses the key's index and memory holds
 * one page, however large the table. Runs inside the caller's snapshot transaction.
 */
export async function* readTablePages(client: pg.ClientBase, table: SourceTable, chunkRows: number): AsyncGenerator<RawRow[]> {
  const columnList = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const keyIndexes = table.key.map((k) => table.columns.findIndex((c) => c.name === k));
  const keyList = table.key.map((k) => quoteIdentifier(k)).join(', ');
  const keyParams = table.key.map((k, i) => `$${i + 1}::${table.columns[keyIndexes[i]!]!.type.name}`).join(', ');
  const first = `SELECT ${columnList} FROM ${table.qualified} ORDER BY ${keyList} LIMIT ${chunkRows}`;
  const next = `SELECT ${columnList} FROM ${table.qualified} WHERE (${keyList}) > (${keyParams}) ORDER BY ${keyList} LIMIT ${chunkRows}`;
  let last: (string | null)[] | undefined;
  for (;;) {
    const result = await client.query<RawRow>({
      text: last === undefined ? first : next,
      values: last ?? [],
      rowMode: 'array',
      types: rawTextTypes,
    } as pg.QueryArrayConfig);
    const rows = result.rows as unknown as RawRow[];
    if (rows.length > 0) yield rows;
    if (rows.length < chunkRows) return;
    const lastRow = rows[rows.length - 1]!;
    last = keyIndexes.map((i) => lastRow[i] ?? null);
  }
}

/** Rows in the snapshot: the planner's estimate when the table was analyzed, else an exact count. */
export async function estimateRows(client: pg.ClientBase, table: SourceTable): Promise<number> {
  if (table.estimatedRows > 0) return Math.round(table.estimatedRows);
  const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table.qualified}`);
  return Number(result.rows[0]?.n ?? 0);
}
