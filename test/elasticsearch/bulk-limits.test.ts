// @services elasticsearch
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import type { Cell } from '../../engine/index.js';
import { conformanceRow, conformanceTable } from '../conformance/conformance-topology.js';
import { serviceSettings } from '../services/index.js';
import { readIndexTable, testClient } from './read-index.js';
import { runRows, sortByKey } from './run-rows.js';

const prefix = `es-limits-${process.pid}-`;
const MAX_BULK_BYTES = 2048;
let client: Client;
let url: string;

/** `_bulk` requests the node has handled so far (other test files may add theirs: only ever more). */
async function bulkRequests(): Promise<number> {
  const stats = await client.transport.request<{ nodes: Record<string, { http?: { routes?: Record<string, { requests?: { count?: number } }> } }> }>({
    method: 'GET',
    path: '/_nodes/stats/http',
  });
  return Object.values(stats.nodes).reduce((sum, node) => sum + (node.http?.routes?.['/_bulk']?.requests?.count ?? 0), 0);
}

beforeAll(() => {
  url = serviceSettings('elasticsearch').url;
  client = testClient(url);
});

afterAll(async () => {
  await client.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
  await client.indices.deleteIndexTemplate({ name: `cloudpulse.${prefix}*` }).catch(() => undefined);
  await client.close();
});

describe('elasticsearch sink bulk request limits', () => {
  it('cuts requests by UTF-8 bytes, multi-byte text and a document larger than the limit included, and writes every document once', async () => {
    const spec = conformanceTable('limits');
    // Multi-byte labels make bytes outnumber characters 3:1; row 40's document alone exceeds the limit.
    const rows: Record<string, Cell>[] = Array.from({ length: 120 }, (_, i) => {
      const row = conformanceRow(`k${i}`, i);
      if (i % 7 === 0) return { ...row, label: '日本語✓'.repeat(40 + i) };
      if (i === 40) return { ...row, label: 'ü'.repeat(MAX_BULK_BYTES) };
      return row;
    });
    // A key written twice in the batch, its second version refused before sending (a day that does not
    // exist): the first version is written in its place.
    const sent = [...rows, { ...rows[9]!, amount: 1, day: '2024-02-30' }];
    const before = await bulkRequests();
    const run = await runRows(spec, sent, createElasticsearchSink({ type: 'elasticsearch', nodes: [url], indexPrefix: prefix, replicas: 0, maxBulkBytes: MAX_BULK_BYTES, concurrency: 2 }), {
      batchSize: sent.length,
    });
    const requests = (await bulkRequests()) - before;

    expect(run.deadLetters.map((l) => [l.position.offset, l.field])).toEqual([[sent.length, 'day']]);
    expect(sortByKey(spec, await readIndexTable(client, `${prefix}${spec.name}`, spec))).toEqual(sortByKey(spec, rows));
    // The fewest requests that keep every one within the limit (bar a document larger than it, alone),
    // from each operation's NDJSON as Elasticsearch documents it.
    const sizes = rows.map((row) => Buffer.byteLength(`${JSON.stringify({ index: { _index: `${prefix}${spec.name}`, _id: `${String(row['id'])}|${String(row['seq'])}` } })}\n${JSON.stringify(row)}\n`));
    let fewest = 0;
    let used = 0;
    for (const size of sizes) {
      if (used === 0 || used + size > MAX_BULK_BYTES) {
        fewest++;
        used = 0;
      }
      used += size;
    }
    expect(fewest).toBeGreaterThan(10);
    expect(requests).toBeGreaterThanOrEqual(fewest);
  });
});
