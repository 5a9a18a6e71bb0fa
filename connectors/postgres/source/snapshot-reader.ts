import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { quoteIdentifier } from '../quote-identifier.js';
import { splitCopyLine } from './copy-text-line.js';
import type { SourceTable } from './table-catalog.js';

/**
 * One page of a snapshot: `rows` rows as COPY text (each line ends in a newline; read it with a
 * `CopyTextCursor`), in primary-key order, columns in `table.columns` order.
 */
export interface SnapshotPage {
  readonly text: string;
  readonly rows: number;
}

/**
 * Reads a table in primary-key order, `chunkRows` rows per query, by keyset pagination
 * (`COPY (SELECT … WHERE (key) > (last key) ORDER BY key LIMIT n) TO STDOUT`): each query uses the
 * key's index, arrives as COPY text (one decode per page, not one per value), and memory holds at most
 * two pages however large the table. The next page's query is sent as soon as a page has arrived, so
 * the server reads it while the caller converts this one. Runs inside the caller's snapshot transaction.
 */
export async function* readTablePages(client: pg.ClientBase, table: SourceTable, chunkRows: number): AsyncGenerator<SnapshotPage> {
  const columnList = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const keyIndexes = table.key.map((k) => table.columns.findIndex((c) => c.name === k));
  const keyList = table.key.map((k) => quoteIdentifier(k)).join(', ');
  const query = (after: readonly (string | null)[] | undefined): string => {
    const where = after === undefined ? '' : ` WHERE (${keyList}) > (${after.map((value, i) => `${sqlLiteral(value)}::${table.columns[keyIndexes[i]!]!.type.name}`).join(', ')})`;
    return `COPY (SELECT ${columnList} FROM ${table.qualified}${where} ORDER BY ${keyList} LIMIT ${chunkRows}) TO STDOUT`;
  };
  let next = readPage(client, query(undefined));
  for (;;) {
    const page = await next;
    const full = page.rows === chunkRows;
    if (full) {
      const fields = splitCopyLine(page.text.slice(page.text.lastIndexOf('\n', page.text.length - 2) + 1, -1));
      next = readPage(client, query(keyIndexes.map((i) => fields[i] ?? null)));
      // Awaited on the next turn; until then a failure must not count as unhandled.
      next.catch(() => undefined);
    }
    if (page.rows > 0) yield page;
    if (!full) return;
  }
}

async function readPage(client: pg.ClientBase, sql: string): Promise<SnapshotPage> {
  const chunks: Buffer[] = [];
  const stream = client.query(copyTo(sql));
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  // The page decodes whole: no character is split between chunks. Rows end with a newline (one
  // inside a value is escaped), so a page holds as many newlines as the server's row count.
  return { text: Buffer.concat(chunks).toString('utf8'), rows: stream.rowCount };
}

/** A key value as an SQL literal (escape-string syntax, whatever `standard_conforming_strings` says). */
function sqlLiteral(value: string | null): string {
  return value === null ? 'NULL' : `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** Rows in the snapshot: the planner's estimate when the table was analyzed, else an exact count. */
export async function estimateRows(client: pg.ClientBase, table: SourceTable): Promise<number> {
  if (table.estimatedRows > 0) return Math.round(table.estimatedRows);
  const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table.qualified}`);
  return Number(result.rows[0]?.n ?? 0);
}
