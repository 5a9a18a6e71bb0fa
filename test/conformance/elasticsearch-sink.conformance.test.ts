// @services elasticsearch
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import { FaultProxy } from '../elasticsearch/fault-proxy.js';
import { readIndexTable, testClient } from '../elasticsearch/read-index.js';
import { serviceSettings } from '../services/index.js';
import { describeSinkConformance } from './sink-conformance.js';

// The Elasticsearch sink against the test run's server, through a TCP relay that loses the server's answer
// to a bulk request mid-write (the documents may be written, the acknowledgement is gone) and refuses
// connections for a moment: the runtime's retry sends the batch again, and the `_id`s make that harmless.
// Twice: as replays use it (idempotent `_id`s only), and as a change-data migration uses it, keeping the
// source's positions in its positions index (a `TransactionalSink`), so a restart resumes after them.
for (const { name, prefixStem, storePositions } of [
  { name: 'elasticsearch', prefixStem: 'conf', storePositions: false },
  { name: 'elasticsearch storing positions', prefixStem: 'confpos', storePositions: true },
]) {
  describeSinkConformance(name, async () => {
    const { url } = serviceSettings('elasticsearch');
    const proxy = await FaultProxy.start(url);
    const reader = testClient(url);
    const prefix = `${prefixStem}-${process.pid}-`;
    const config = { type: 'elasticsearch' as const, nodes: [proxy.url], indexPrefix: prefix, requestTimeoutMs: 10_000, replicas: 0 };
    return {
      createSink: (pipeline) => createElasticsearchSink(config, storePositions ? { storePositions: true, pipeline } : {}),
      readTable: (spec) => readIndexTable(reader, `${prefix}${spec.name}`, spec),
      interruptDuring: (write) => proxy.interruptDuring(write),
      deletesByKey: true,
      async close() {
        await reader.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
        await reader.indices.deleteIndexTemplate({ name: `cloudpulse.${prefix}*` }).catch(() => undefined);
        await reader.close();
        await proxy.close();
      },
    };
  });
}
