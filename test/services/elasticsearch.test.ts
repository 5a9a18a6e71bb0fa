// @services elasticsearch
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, it } from 'vitest';

import { expectLoopbackOnly } from './expect-loopback-only.js';
import { service, serviceSettings } from './index.js';

describe('elasticsearch (Elasticsearch 9.2 test distribution)', () => {
  const client = new Client({ node: serviceSettings('elasticsearch').url });

  afterAll(async () => {
    await client.close();
  });

  it('binds 127.0.0.1 only (HTTP and transport)', () => {
    expectLoopbackOnly(service('elasticsearch'));
  });

  it('indexes a document and finds it by a full-text query', async () => {
    const index = 'smoke-readings';
    await client.indices.create({
      index,
      mappings: { properties: { station: { type: 'text' }, country: { type: 'keyword' }, celsius: { type: 'double' }, at: { type: 'date' } } },
    });
    await client.index({ index, id: 'r1', document: { station: 'Oslo Blindern', country: 'NO', celsius: -3.25, at: '2026-01-05T06:00:00Z' }, refresh: 'wait_for' });
    await client.index({ index, id: 'r2', document: { station: 'Lagos Ikeja', country: 'NG', celsius: 31.5, at: '2026-01-05T06:00:00Z' }, refresh: 'wait_for' });

    const found = await client.search<{ station: string; celsius: number }>({ index, query: { match: { station: 'blindern' } } });
    expect(found.hits.hits.map((hit) => [hit._id, hit._source?.celsius])).toEqual([['r1', -3.25]]);

    const hot = await client.search({ index, size: 0, query: { range: { celsius: { gt: 20 } } }, aggs: { countries: { terms: { field: 'country' } } } });
    expect(hot.aggregations?.['countries']).toMatchObject({ buckets: [{ key: 'NG', doc_count: 1 }] });
  });

  it('reports the pinned server version through the node info API', async () => {
    const info = await client.nodes.info({ metric: 'settings' });
    const [node] = Object.values(info.nodes);
    expect(node?.version).toBe('9.2.4');
    expect(node?.settings?.['network']).toMatchObject({ host: '127.0.0.1' });
  });
});
