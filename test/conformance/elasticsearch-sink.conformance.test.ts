// @services elasticsearch
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import { FaultProxy } from '../elasticsearch/fault-proxy.js';
import { readIndexTable, testClient } from '../elasticsearch/read-index.js';
import { serviceSettings } from '../services/index.js';
import { describeSinkConformance } from './sink-conformance.js';

// The Elasticsearch sink against the test run's server, through a TCP relay that loses the server's answer
// to a bulk request mid-write (the documents may be written, the acknowledgement is gone) and refuses
// connections for a moment: the runtime's retry sends the batch again, and the `_id`s make that harmless.
describeSinkConformance('elasticsearch', async () => {
  const { url } = serviceSettings('elasticsearch');
  const proxy = await FaultProxy.start(url);
  const reader = testClient(url);
  const prefix = `conf-${process.pid}-`;
  return {
    createSink: () => createElasticsearchSink({ type: 'elasticsearch', nodes: [proxy.url], indexPrefix: prefix, requestTimeoutMs: 10_000, replicas: 0 }),
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
