// @services elasticsearch
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import { FaultProxy } from '../elasticsearch/fault-proxy.js';
import { readIndexTable, testClient } from '../elasticsearch/read-index.js';
import { serviceSettings } from '../services/index.js';
import { describeSinkConformance } from './sink-conformance.js';

// The Elasticsearch sink as a change-data migration uses it: keeping the source's positions in its
// positions index (a `TransactionalSink`), so a restart resumes after them instead of rewriting.
describeSinkConformance('elasticsearch storing positions', async () => {
  const { url } = serviceSettings('elasticsearch');
  const proxy = await FaultProxy.start(url);
  const reader = testClient(url);
  const prefix = `confpos-${process.pid}-`;
  return {
    createSink: (pipeline) => createElasticsearchSink({ type: 'elasticsearch', nodes: [proxy.url], indexPrefix: prefix, requestTimeoutMs: 10_000, replicas: 0 }, { storePositions: true, pipeline }),
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
