import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ReadinessReport } from './pipeline-readiness.js';

/** The port the metrics server listens on when none is configured. */
export const DEFAULT_METRICS_PORT = 9478;

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** The registry `/metrics` exposes. */
  readonly registry: Registry;
  /** What `/readyz` reports (usually a `PipelineReadiness`). */
  readonly readiness: { report(): ReadinessReport };
  /** Address to bind; loopback by default, so nothing is exposed unless asked for. */
  readonly host?: string;
  /** TCP port; 0 picks a free one (tests). Default {@link DEFAULT_METRICS_PORT}. */
  readonly port?: number;
}

/** A running metrics server. */
export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, for logs and scrape configs. */
  readonly url: string;
  /** Stops listening and ends open (keep-alive) connections; resolves when closed. */
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  response.end(head ? undefined : body);
}

function sendJson(response: ServerResponse, status: number, value: unknown, head: boolean): void {
  send(response, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`, head);
}

/**
 * Serves `/metrics` (Prometheus text exposition of the registry), `/healthz` (200 while the process
 * runs) and `/readyz` (200 when the readiness report says ready, else 503 with the report as JSON,
 * whose `reason` says why). Only GET and HEAD are answered. Resolves once listening.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const { registry, readiness } = options;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const head = method === 'HEAD';
    if (method !== 'GET' && !head) {
      response.setHeader('allow', 'GET, HEAD');
      sendJson(response, 405, { error: `method ${method} not allowed` }, false);
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    switch (path) {
      case '/metrics':
        send(response, 200, registry.contentType, await registry.metrics(), head);
        return;
      case '/healthz':
        sendJson(response, 200, { status: 'ok' }, head);
        return;
      case '/readyz': {
        const report = readiness.report();
        sendJson(response, report.ready ? 200 : 503, report, head);
        return;
      }
      default:
        sendJson(response, 404, { error: `no such endpoint ${path}; try /metrics, /healthz or /readyz` }, head);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) }, false);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? DEFAULT_METRICS_PORT }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
