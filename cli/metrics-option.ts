import { ConfigError, type EngineEvents } from '../engine/index.js';
import { DEFAULT_METRICS_PORT, startMetricsEndpoint, type MetricsEndpoint } from '../metrics/index.js';

/** The `--metrics-host`/`--metrics-port`/`--no-metrics` flags, shared by `replay` and `demo`. */
export interface MetricsFlags {
  /** False with `--no-metrics`. */
  readonly metrics: boolean;
  readonly metricsHost?: string;
  readonly metricsPort?: string;
}

export const metricsFlagHelp = {
  host: 'address of the /metrics, /healthz, /readyz endpoint (default 127.0.0.1)',
  port: `port of the metrics endpoint (default ${DEFAULT_METRICS_PORT}, 0 = any free port)`,
  off: 'no metrics endpoint',
} as const;

/**
 * Starts the metrics endpoint for a CLI run unless `--no-metrics`, and says where it listens on
 * `log`. A port in use fails at start naming the flag, rather than running unobserved.
 */
export async function startCliMetrics(flags: MetricsFlags, events: EngineEvents, log: NodeJS.WritableStream): Promise<MetricsEndpoint | undefined> {
  if (!flags.metrics) return undefined;
  const port = flags.metricsPort === undefined ? DEFAULT_METRICS_PORT : Number(flags.metricsPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError('metrics-port', `must be a port number 0–65535, got ${JSON.stringify(flags.metricsPort)}`);
  const host = flags.metricsHost ?? '127.0.0.1';
  try {
    const endpoint = await startMetricsEndpoint({ events, host, port });
    log.write(`metrics: ${endpoint.server.url}/metrics (health ${endpoint.server.url}/healthz, readiness ${endpoint.server.url}/readyz)\n`);
    return endpoint;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError('metrics-port', `${host}:${port} is in use: choose another with --metrics-port, or --no-metrics`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ConfigError('metrics-host', `cannot listen on ${host}: ${code}`);
    throw error;
  }
}
