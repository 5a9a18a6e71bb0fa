import { elasticsearch } from './elasticsearch/elasticsearch.js';
import { kafka } from './kafka/kafka.js';
import { postgres } from './postgres/postgres.js';
import { prometheus } from './prometheus/prometheus.js';
import { registry } from './registry/registry.js';
import { spark } from './spark/spark.js';
import type { ServiceModule, ServiceName } from './types.js';
import { SERVICE_NAMES } from './types.js';

const MODULES: { readonly [N in ServiceName]: ServiceModule<N> } = { kafka, postgres, elasticsearch, prometheus, spark, registry };

/** The module of one server. */
export function serviceModule<N extends ServiceName>(name: N): ServiceModule<N> {
  return MODULES[name];
}

/** Checks user-supplied names (CLI arguments, `@services` declarations). */
export function parseServiceNames(names: readonly string[], context: string): ServiceName[] {
  const result: ServiceName[] = [];
  for (const name of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`${context}: unknown service '${name}' (known: ${SERVICE_NAMES.join(', ')})`);
    }
    if (!result.includes(name as ServiceName)) result.push(name as ServiceName);
  }
  return result.sort((a, b) => SERVICE_NAMES.indexOf(a) - SERVICE_NAMES.indexOf(b));
}
