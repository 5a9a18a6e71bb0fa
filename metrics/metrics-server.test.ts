import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineEvents } from '../engine/index.js';
import { EngineMetrics } from './engine-metrics.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { PipelineReadiness } from './pipeline-readiness.js';

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const closable of open.splice(0)) await closable.close();
});

async function serve(): Promise<{ server: MetricsServer; events: EngineEvents }> {
  const registry = new Registry();
  const events = new EngineEvents();
  new EngineMetrics({ registry }).attach(events);
  const readiness = new PipelineReadiness();
  readiness.attach(events);
  const server = await startMetricsServer({ registry, readiness, port: 0 });
  open.push(server);
  return { server, events };
}

async function readyz(server: MetricsServer): Promise<{ status: number; body: { ready: boolean; reason?: string } }> {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; reason?: string } };
}

describe('metrics server', () => {
  it('listens on loopback at an ephemeral port by default', async () => {
    const { server } = await serve();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('serves the registry in the Prometheus text format at /metrics', async () => {
    const { server, events } = await serve();
    events.emit({ type: 'records_in', topology: 't', source: 'f.csv', partition: 'f.csv', count: 12 });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('cloudpulse_records_in_total{topology="t",source="f.csv",partition="f.csv"} 12');
  });

  it('answers /healthz with 200 while the process runs, whatever the pipeline does', async () => {
    const { server, events } = await serve();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    events.emit({ type: 'lifecycle', topology: 't', state: 'failed', reason: 'boom' });
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 503 with a reason until the pipeline is ready, then 200, then 503 again when it drains, stops or fails', async () => {
    const { server, events } = await serve();
    let answer = await readyz(server);
    expect(answer.status).toBe(503);
    expect(answer.body.reason).toMatch(/no pipeline has started/);

    events.emit({ type: 'lifecycle', topology: 't', state: 'starting' });
    answer = await readyz(server);
    expect(answer.status).toBe(503);
    expect(answer.body.reason).toBe('t is starting');

    events.emit({ type: 'lifecycle', topology: 't', state: 'ready' });
    answer = await readyz(server);
    expect(answer.status).toBe(200);
    expect(answer.body.ready).toBe(true);

    for (const state of ['draining', 'stopped', 'failed'] as const) {
      events.emit({ type: 'lifecycle', topology: 't', state: 'ready' });
      events.emit({ type: 'lifecycle', topology: 't', state, ...(state === 'failed' ? { reason: 'sink pg: permission denied' } : {}) });
      answer = await readyz(server);
      expect(answer.status).toBe(503);
      expect(answer.body.ready).toBe(false);
      expect(answer.body.reason).toBe(state === 'failed' ? 't is failed: sink pg: permission denied' : `t is ${state}`);
    }
  });

  it('is ready only when every pipeline it has seen is ready', async () => {
    const { server, events } = await serve();
    events.emit({ type: 'lifecycle', topology: 'a', state: 'ready' });
    events.emit({ type: 'lifecycle', topology: 'b', state: 'starting' });
    expect((await readyz(server)).status).toBe(503);
    events.emit({ type: 'lifecycle', topology: 'b', state: 'ready' });
    expect((await readyz(server)).status).toBe(200);
  });

  it('answers HEAD without a body, 404 for unknown paths and 405 for other methods', async () => {
    const { server } = await serve();
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('fails to start on a port already taken, naming the error', async () => {
    const { server } = await serve();
    await expect(startMetricsServer({ registry: new Registry(), readiness: new PipelineReadiness(), port: server.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes even while a keep-alive connection is open', async () => {
    const registry = new Registry();
    const server = await startMetricsServer({ registry, readiness: new PipelineReadiness(), port: 0 });
    await fetch(`${server.url}/metrics`, { headers: { connection: 'keep-alive' } });
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('startMetricsEndpoint', () => {
  it('wires engine events, readiness and process metrics to one server', async () => {
    const events = new EngineEvents();
    const endpoint: MetricsEndpoint = await startMetricsEndpoint({ events, port: 0 });
    open.push(endpoint);
    events.emit({ type: 'lifecycle', topology: 't', state: 'ready' });
    events.emit({ type: 'late', topology: 't', operator: 'w', count: 2 });
    const text = await (await fetch(`${endpoint.server.url}/metrics`)).text();
    expect(text).toContain('cloudpulse_late_records_total{topology="t",operator="w"} 2');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect((await fetch(`${endpoint.server.url}/readyz`)).status).toBe(200);
  });
});
