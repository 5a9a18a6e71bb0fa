// @services elasticsearch
// Elasticsearch killed in the middle of a run and started again on its data: the runtime retries the
// write that failed (and the ones after it) until the server is back; nothing is lost, nothing doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import type { Cell, Sink, TableSpec } from '../../engine/index.js';
import { conformanceRow, conformanceTable } from '../conformance/conformance-topology.js';
import { readDocuments, testClient } from './read-index.js';
import { RestartableElasticsearch } from './restartable-elasticsearch.js';
import { runRows, sortByKey } from './run-rows.js';

const ROWS = 30_000;

describe('Elasticsearch stopped mid-run and restarted', () => {
  let server: RestartableElasticsearch | undefined;

  beforeAll(async () => {
    server = await RestartableElasticsearch.start();
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it('loses nothing and duplicates nothing', async () => {
    const es = server!;
    const spec: TableSpec = conformanceTable('restart_rows');
    const rows = Array.from({ length: ROWS }, (_, i) => conformanceRow(`k${i % 300}`, i));
    const sink = createElasticsearchSink({ type: 'elasticsearch', nodes: [es.url], indexPrefix: 'cp-', replicas: 0, requestTimeoutMs: 5_000, maxBulkDocs: 500 });

    let writes = 0;
    let writesAfterRestart = 0;
    let restarted = false;
    let outage: Promise<void> | undefined;
    const disturbed: Sink = {
      name: sink.name,
      open: (ctx) => sink.open(ctx),
      flush: (endOfInput) => sink.flush(endOfInput),
      close: () => sink.close(),
      write: async (batch, ctx) => {
        await sink.write(batch, ctx);
        writes++;
        if (restarted) writesAfterRestart++;
        // Killed between acknowledged writes while the source keeps going: the next writes find no server.
        if (writes === 5) {
          outage = (async () => {
            await es.kill();
            await es.restart();
            restarted = true;
          })();
        }
      },
    };
    const run = await runRows(spec, rows, disturbed, {
      batchSize: 500,
      maxInFlightRecords: 2_000,
      retryPolicy: { maxAttempts: 80, initialDelayMs: 250, maxDelayMs: 2_000, multiplier: 2, jitter: 0.5 },
    });
    await outage;

    expect(restarted).toBe(true);
    expect(writesAfterRestart).toBeGreaterThan(0);
    expect(run.events.filter((e) => e.type === 'retry').length).toBeGreaterThan(0);
    expect(run.deadLetters).toEqual([]);
    expect(run.summary.committed).toEqual([{ source: 'rows.csv', partition: 'rows.csv', offset: ROWS }]);

    const client = testClient(es.url);
    try {
      const documents = await readDocuments(client, 'cp-restart_rows');
      expect(documents).toHaveLength(ROWS);
      expect(new Set(documents.map((d) => d.id)).size).toBe(ROWS);
      const stored = documents.map((d) => {
        const row: Record<string, Cell> = {};
        for (const column of spec.columns) row[column.name] = (d.source[column.name] ?? null) as Cell;
        return row;
      });
      expect(sortByKey(spec, stored)).toEqual(sortByKey(spec, rows));
    } finally {
      await client.close();
    }
  }, 300_000);
});
