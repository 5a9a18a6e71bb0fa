import { isAscii } from 'node:buffer';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { quoteIdentifier } from '../quote-identifier.js';
import type { SourceTable } from './table-catalog.js';

/**
 * One page of a snapshot: `rows` rows as COPY text (each line ends in a newline; read it with a
 * `CopyTextCursor`), in primary-key order, columns in `table.columns` order.
 */
export interface SnapshotPage {
  readonly text: string;
  readonly rows: number;
  /** The page's bytes when they are ASCII (`CopyTextPage.bytes`). */
  readonly bytes?: Buffer;
}

const NEWLINE = 0x0a;

/**
 * Reads a table in primary-key order as one `COPY (SELECT … ORDER BY key) TO STDOUT`, cut into pages
 * of `chunkRows` rows. The server streams while the caller converts (no query per page to wait for);
 * memory holds one page and the stream's buffers however large the table, because a page not yet
 * asked for is not read from the socket and the server waits (TCP flow control). `enable_sort` is off
 * for the query: with a primary key index the rows come in index order, as keyset pages would, instead
 * of after sorting the whole table. Runs inside the caller's snapshot transaction (a page chunked at
 * a row's end: `chunkRows` or a little more).
 */
export async function* readTablePages(client: pg.ClientBase, table: SourceTable, chunkRows: number): AsyncGenerator<SnapshotPage> {
  const columnList = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const keyList = table.key.map((k) => quoteIdentifier(k)).join(', ');
  // Transaction-scoped: the snapshot transaction's later queries (the next tables) read in key order too.
  await client.query('SET LOCAL enable_sort = off');
  const stream = client.query(copyTo(`COPY (SELECT ${columnList} FROM ${table.qualified} ORDER BY ${keyList}) TO STDOUT`));
  let chunks: Buffer[] = [];
  let rows = 0;
  for await (const data of stream) {
    const chunk = data as Buffer;
    // A raw newline only ends a row (one inside a value is escaped), and no UTF-8 sequence contains the byte.
    const lines = countNewlines(chunk);
    if (rows + lines < chunkRows) {
      chunks.push(chunk);
      rows += lines;
      continue;
    }
    const end = chunk.lastIndexOf(NEWLINE) + 1;
    chunks.push(chunk.subarray(0, end));
    yield page(chunks, rows + lines);
    chunks = end < chunk.length ? [chunk.subarray(end)] : [];
    rows = 0;
  }
  if (rows > 0) yield page(chunks, rows);
}

function page(chunks: readonly Buffer[], rows: number): SnapshotPage {
  const bytes = Buffer.concat(chunks);
  // Most tables' text is ASCII: then the sink can send the bytes as they came (see `CopyTextPage.bytes`).
  return isAscii(bytes) ? { text: bytes.toString('latin1'), rows, bytes } : { text: bytes.toString('utf8'), rows };
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/** Rows in the snapshot: the planner's estimate when the table was analyzed, else an exact count. */
export async function estimateRows(client: pg.ClientBase, table: SourceTable): Promise<number> {
  if (table.estimatedRows > 0) return Math.round(table.estimatedRows);
  const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table.qualified}`);
  return Number(result.rows[0]?.n ?? 0);
}
