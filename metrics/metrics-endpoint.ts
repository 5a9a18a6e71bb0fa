import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Clock, EngineEvents } from '../engine/index.js';
import { EngineMetrics } from './engine-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { PipelineReadiness } from './pipeline-readiness.js';

/** Options of {@link startMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  /** The engine events of the pipeline(s) to observe. */
  readonly events: EngineEvents;
  readonly clock?: Clock;
  /** Default loopback (127.0.0.1). */
  readonly host?: string;
  /** Default `DEFAULT_METRICS_PORT`; 0 picks a free port. */
  readonly port?: number;
  /** Export prom-client's process and Node.js metrics (`process_*`, `nodejs_*`); default true. */
  readonly processMetrics?: boolean;
}

/** A metrics endpoint wired to engine events. */
export interface MetricsEndpoint {
  readonly server: MetricsServer;
  readonly registry: Registry;
  readonly readiness: PipelineReadiness;
  /** Stops listening to events and closes the server. */
  close(): Promise<void>;
}

/**
 * Everything the CLI needs for observability in one call: a registry with the engine metrics (and the
 * process metrics), readiness from lifecycle events, and the HTTP server for `/metrics`, `/healthz`
 * and `/readyz`. Attach it before the pipeline runs so `/readyz` sees the lifecycle from the start.
 */
export async function startMetricsEndpoint(options: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const metrics = new EngineMetrics({ registry, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const readiness = new PipelineReadiness();
  const detachMetrics = metrics.attach(options.events);
  const detachReadiness = readiness.attach(options.events);
  let server: MetricsServer;
  try {
    server = await startMetricsServer({
      registry,
      readiness,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
    });
  } catch (error) {
    detachMetrics();
    detachReadiness();
    throw error;
  }
  return {
    server,
    registry,
    readiness,
    close: async () => {
      detachMetrics();
      detachReadiness();
      await server.close();
    },
  };
}
