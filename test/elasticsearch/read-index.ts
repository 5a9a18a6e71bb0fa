import { Client } from '@elastic/elasticsearch';
import type { Cell, TableSpec } from '../../engine/index.js';

/** A plain client for the tests' own reads and setup (never the sink's). */
export function testClient(url: string): Client {
  return new Client({ node: url, maxRetries: 0, requestTimeout: 60_000 });
}

/** One stored document: its `_id`, `_index`, `_version` and source. */
export interface StoredDocument {
  readonly id: string;
  readonly index: string;
  readonly version: number | undefined;
  readonly source: Record<string, unknown>;
}

/** Every document of an index (or pattern, or data stream), after a refresh, read with a scroll. */
export async function readDocuments(client: Client, index: string): Promise<StoredDocument[]> {
  await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const documents: StoredDocument[] = [];
  let response = await client.search<Record<string, unknown>>({ index, scroll: '1m', size: 5_000, version: true, sort: ['_doc'], ignore_unavailable: true, allow_no_indices: true });
  try {
    while (response.hits.hits.length > 0) {
      for (const hit of response.hits.hits) documents.push({ id: hit._id!, index: hit._index, version: hit._version, source: hit._source ?? {} });
      if (response._scroll_id === undefined) break;
      response = await client.scroll<Record<string, unknown>>({ scroll_id: response._scroll_id, scroll: '1m' });
    }
  } finally {
    if (response._scroll_id !== undefined) await client.clearScroll({ scroll_id: response._scroll_id }).catch(() => undefined);
  }
  return documents;
}

/** A table's documents as cells (declared columns only, missing = null), in any order. */
export async function readIndexTable(client: Client, index: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  return (await readDocuments(client, index)).map((doc) => {
    const row: Record<string, Cell> = {};
    for (const column of spec.columns) row[column.name] = (doc.source[column.name] ?? null) as Cell;
    return row;
  });
}
