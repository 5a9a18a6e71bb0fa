import { errors, type Client } from '@elastic/elasticsearch';
import { highestPerPartition, PermanentError, TransientError, type SourcePosition } from '../../engine/index.js';
import { describeCause, type ElasticsearchErrorCause } from './classify-error.js';

/** The index holding, per pipeline and source partition, the last position whose effect is in the data. */
export const POSITIONS_INDEX = 'cloudpulse_positions';

/** `cloudpulse_positions` under the sink's index prefix: sinks writing under other prefixes keep their own positions. */
export function positionsIndexName(indexPrefix: string): string {
  return `${indexPrefix}${POSITIONS_INDEX}`;
}

const MAPPINGS = {
  dynamic: 'strict' as const,
  properties: {
    pipeline: { type: 'keyword' as const },
    source: { type: 'keyword' as const },
    partition: { type: 'keyword' as const },
    offset: { type: 'long' as const },
    updated_at: { type: 'date' as const, format: 'epoch_millis' },
  },
};

/** Creates the positions index when missing (one shard: a handful of documents). */
export async function ensurePositionsIndex(client: Client, index: string): Promise<boolean> {
  try {
    await client.indices.create({ index, settings: { number_of_shards: 1, auto_expand_replicas: '0-1' }, mappings: MAPPINGS });
    return true;
  } catch (error) {
    if (error instanceof errors.ResponseError && JSON.stringify(error.body).includes('resource_already_exists_exception')) return false;
    throw error;
  }
}

/** One document per pipeline and source partition: its `_id`. */
function documentId(pipeline: string, position: Pick<SourcePosition, 'source' | 'partition'>): string {
  return JSON.stringify([pipeline, position.source, position.partition]);
}

/**
 * Stores positions (a partition given twice keeps its highest offset). Called only once every document
 * of the write they belong to is acknowledged, so a stored position never runs ahead of the data; a
 * crash between the two leaves it behind, and the documents written again are 409s (external versions)
 * or overwrite themselves (`_id` = key). Acknowledged means durable (translog synced per request); a
 * reader refreshes first.
 */
export async function storePositions(client: Client, index: string, pipeline: string, positions: readonly SourcePosition[], now: number): Promise<void> {
  if (positions.length === 0) return;
  const highest = highestPerPartition(positions);
  const operations = highest.flatMap((p) => [
    { index: { _index: index, _id: documentId(pipeline, p) } },
    { pipeline, source: p.source, partition: p.partition, offset: p.offset, updated_at: now },
  ]);
  const response = await client.bulk({ operations, filter_path: 'errors,items.*.status,items.*.error' });
  if (!response.errors) return;
  const failed = response.items.map((item) => Object.values(item)[0]).find((item) => item !== undefined && item.status >= 300);
  const status = failed?.status ?? 500;
  const message = `elasticsearch: storing positions in ${index}: ${status} ${failed?.error?.type ?? 'error'}: ${describeCause(failed?.error as ElasticsearchErrorCause | undefined) || 'no reason given'}`;
  throw status === 429 || status >= 500 ? new TransientError(message, { code: `elasticsearch_${status}` }) : new PermanentError(message, { code: `elasticsearch_${status}` });
}

/** The stored positions of one source of a pipeline (none when the index does not exist yet). */
export async function readPositions(client: Client, index: string, pipeline: string, source: string): Promise<SourcePosition[]> {
  await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const response = await client.search<{ source: string; partition: string; offset: number }>({
    index,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 10_000,
    query: { bool: { filter: [{ term: { pipeline } }, { term: { source } }] } },
    sort: [{ partition: 'asc' }],
  });
  return response.hits.hits.flatMap((hit) => (hit._source === undefined ? [] : [{ source: hit._source.source, partition: hit._source.partition, offset: hit._source.offset }]));
}
