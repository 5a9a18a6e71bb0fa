// @services prometheus
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectLoopbackOnly } from './expect-loopback-only.js';
import { service, serviceSettings } from './index.js';
import { waitUntil } from './process-group.js';

interface VectorResponse {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('prometheus (Prometheus 2.42 scraping a loopback endpoint)', () => {
  const run = randomUUID().slice(0, 8);
  const targetFile = join(serviceSettings('prometheus').targetsDir, `smoke-${run}.json`);
  let scrapes = 0;
  const metrics = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes += 1;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(
      [
        '# HELP cloudpulse_smoke_records_total Records the smoke endpoint claims to have processed.',
        '# TYPE cloudpulse_smoke_records_total counter',
        'cloudpulse_smoke_records_total{topic="readings"} 42',
        '',
      ].join('\n'),
    );
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => metrics.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = metrics.address() as AddressInfo;
    writeFileSync(targetFile, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { smoke_run: run } }]));
  });

  afterAll(async () => {
    rmSync(targetFile, { force: true });
    await new Promise<void>((resolve) => metrics.close(() => resolve()));
  });

  async function query(promql: string): Promise<VectorResponse> {
    const url = `${serviceSettings('prometheus').url}/api/v1/query?query=${encodeURIComponent(promql)}`;
    return (await (await fetch(url)).json()) as VectorResponse;
  }

  it('binds 127.0.0.1 only', () => {
    expectLoopbackOnly(service('prometheus'));
  });

  it('scrapes the endpoint the test serves and answers PromQL about it', async () => {
    // The first scrape of a new target comes a few seconds after discovery: poll `up` rather than sleep.
    await waitUntil(
      async () => (await query(`up{smoke_run="${run}"} == 1`)).data.result.length === 1,
      60_000,
      () => `prometheus never scraped the smoke endpoint (${scrapes} requests seen)`,
    );
    const answer = await query(`sum by (topic) (cloudpulse_smoke_records_total{smoke_run="${run}"})`);
    expect(answer.status).toBe('success');
    expect(answer.data.result.map((sample) => [sample.metric['topic'], sample.value[1]])).toEqual([['readings', '42']]);
    expect(scrapes).toBeGreaterThan(0);
  });
});
