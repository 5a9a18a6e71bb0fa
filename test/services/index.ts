import { inject } from 'vitest';

import './provided-context.js';
import type { ServiceInstance, ServiceName, SettingsByService } from './types.js';

export type {
  ElasticsearchSettings,
  KafkaSettings,
  PostgresSettings,
  PrometheusSettings,
  RegistrySettings,
  ServiceInstance,
  ServiceName,
  SettingsByService,
  SparkSettings,
} from './types.js';
export { SparkSqlClient, SparkSqlError } from './spark/spark-sql-client.js';
export type { SparkParameter, SparkResult, SparkSqlOptions, SparkValue } from './spark/spark-sql-client.js';
export { listeningSockets } from './listening-sockets.js';
export type { ListeningSocket } from './listening-sockets.js';

/**
 * The running server `name` of this test run (its PID, ports, log file and connection settings). The test
 * file must declare it in its leading comment, e.g. `// @services kafka postgres` as the first line.
 */
export function service<N extends ServiceName>(name: N): ServiceInstance<N> {
  const provided = inject('cloudpulseServices') ?? {};
  const instance = provided[name] as ServiceInstance<N> | undefined;
  if (!instance) {
    throw new Error(`service '${name}' is not running: declare it in the test file's first line, e.g. \`// @services ${name}\``);
  }
  return instance;
}

/** Connection settings of the running server `name` (see {@link service}). */
export function serviceSettings<N extends ServiceName>(name: N): SettingsByService[N] {
  return service(name).settings;
}
