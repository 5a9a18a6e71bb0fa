// @services prometheus
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  EngineEvents,
  MemoryDeadLetterSink,
  PermanentError,
  PipelineRunner,
  RecordError,
  TransientError,
  assignWatermarks,
  filterRecords,
  flatMapRecords,
  parseRecords,
  tumbling,
  windowAggregate,
  type PipelineSummary,
  type ReadOptions,
  type Row,
  type Source,
  type SourceContext,
  type SourcePosition,
  type StreamBatch,
  type StreamRecord,
  type TableRow,
  type Topology,
} from '../engine/index.js';
import { openFileSource } from '../replay/index.js';
import { MemorySink } from '../test/harness/memory-sink.js';
import { serviceSettings } from '../test/services/index.js';
import { dashboardExpressions, interpolate, loadDashboard } from './dashboards/dashboard-queries.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint.js';

// A replay of generated readings with known bad rows runs slowly (event time × 8, about 8 s) through a
// windowed test topology while the project's Prometheus scrapes /metrics every second. Then Prometheus's
// HTTP API must agree with the run, and every PromQL expression of the dashboard and of alerts.yml must
// evaluate there.

const here = dirname(fileURLToPath(import.meta.url));
const T0 = Date.UTC(2024, 0, 1);
const STEP_MS = 100;
const ROWS = 640;
const SPEED = 8;
const MAX_OUT_OF_ORDERNESS_MS = 500;
const LATE_BY_MS = 30_000;

interface Generated {
  readonly file: string;
  readonly dataLines: number;
  /** Rows whose `value` is not a number: the file source dead-letters them (`parse_error`). */
  readonly unparseable: number;
  /** Rows above the valid range: the topology dead-letters them (`out_of_range`). */
  readonly outOfRange: number;
  /** Rows from the test rig: filtered. */
  readonly filtered: number;
  /** Rows 30 s older than the stream around them: late for 1 s windows with 0.5 s out-of-orderness. */
  readonly late: number;
  /** Largest event time of the rows the watermark operator sees. */
  readonly maxEventTime: number;
}

/** Writes the input file; the counts come from the generator's own plan, not from the engine. */
function generate(dir: string): Generated {
  const lines = ['time,sensor,value'];
  let unparseable = 0;
  let outOfRange = 0;
  let filtered = 0;
  let late = 0;
  let maxEventTime = -Infinity;
  for (let i = 0; i < ROWS; i++) {
    let time = T0 + i * STEP_MS;
    let sensor = `s${i % 4}`;
    let value = String((i * 37) % 500);
    if (i % 50 === 7) {
      value = 'n/a';
      unparseable++;
    } else if (i % 45 === 11) {
      value = '5000';
      outOfRange++;
    } else if (i % 40 === 13) {
      sensor = 'test-rig';
      filtered++;
    } else if (i >= 400 && i % 30 === 17) {
      time -= LATE_BY_MS;
      late++;
    }
    if (value !== 'n/a' && value !== '5000' && sensor !== 'test-rig') maxEventTime = Math.max(maxEventTime, time);
    lines.push(`${new Date(time).toISOString()},${sensor},${value}`);
  }
  const file = join(dir, 'readings.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, dataLines: ROWS, unparseable, outOfRange, filtered, late, maxEventTime };
}

const readOptions: ReadOptions = {
  fields: [
    { name: 'time', type: 'timestamp', required: true },
    { name: 'sensor', type: 'string', required: true },
    { name: 'value', type: 'number', required: true },
  ],
  eventTime: 'time',
  key: 'sensor',
};

/** parse (range check) → filter → watermarks → 1 s tumbling windows collecting their readings → one row per reading. */
function readingsTopology(name: string): Topology {
  return {
    name,
    description: 'metrics integration test: every reading of every closed 1 s window, one row each',
    inputs: [{ name: 'readings', kind: 'stream', description: 'generated readings', defaultFile: 'readings.csv', readOptions: () => readOptions }],
    outputs: [{ name: 'readings', columns: [{ name: 'sensor', type: 'text' }, { name: 'time', type: 'timestamptz' }, { name: 'value', type: 'numeric' }], key: ['sensor', 'time'] }],
    options: [],
    graph: [],
    build(inputs, ctx): Observable<StreamBatch<TableRow>> {
      return inputs.streams['readings']!.pipe(
        parseRecords<Row, Row>(ctx, (record) => {
          const value = record.value['value'];
          if (typeof value === 'number' && value > 1000) throw new RecordError('out_of_range', record.position, `value ${value} is above 1000`, 'value');
          return record;
        }),
        filterRecords<Row>((record) => record.value['sensor'] !== 'test-rig', { ctx, operator: 'drop-test-rig' }),
        assignWatermarks<Row>(ctx, { name: 'readings-watermark', maxOutOfOrdernessMs: MAX_OUT_OF_ORDERNESS_MS }),
        windowAggregate<Row, StreamRecord<Row>[], readonly StreamRecord<Row>[]>(ctx, {
          name: 'per-second',
          assigner: tumbling(1000),
          aggregator: { create: () => [], add: (acc, record) => void acc.push(record), result: (acc) => [...acc] },
        }),
        flatMapRecords((window) =>
          window.value.result.map((reading) => ({
            value: { table: 'readings', row: { sensor: reading.value['sensor'] ?? null, time: reading.eventTime, value: reading.value['value'] ?? null } },
            eventTime: reading.eventTime,
            key: reading.key ?? '',
            position: reading.position,
          })),
        ),
      );
    },
  };
}

/**
 * Stands in for the Kafka source, which does not exist yet: a file replay that reports its consumer lag
 * the way a log source must (`consumer_lag` after each commit; end offset = the line after the last one,
 * committed offset = the line after the last committed one).
 */
class LagReportingSource implements Source<Row> {
  readonly name: string;
  readonly boundedness = 'bounded' as const;
  private ctx: SourceContext | undefined;

  constructor(private readonly inner: Source<Row>, private readonly lastLine: number) {
    this.name = inner.name;
  }

  open(ctx: SourceContext): Observable<StreamBatch<Row>> {
    this.ctx = ctx;
    return this.inner.open(ctx);
  }

  pause(): void {
    this.inner.pause();
  }

  resume(): void {
    this.inner.resume();
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    await this.inner.commit(positions);
    for (const position of positions) {
      this.ctx?.events.emit({ type: 'consumer_lag', topology: this.ctx.topology, source: position.source, partition: position.partition, endOffset: this.lastLine + 1, committedOffset: position.offset + 1 });
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

interface PromSeries {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly values?: [number, string][];
}

interface PromResponse {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: PromSeries[] };
}

describe('metrics scraped by a real Prometheus', () => {
  const runId = randomBytes(4).toString('hex');
  const topology = `metrics-it-${runId}`;
  const dir = mkdtempSync(join(tmpdir(), 'cloudpulse-metrics-it-'));
  const generated = generate(dir);
  const events = new EngineEvents();
  let lastWatermark = NaN;
  events.on((event) => {
    if (event.type === 'watermark') lastWatermark = event.watermark;
  });
  const sink = new MemorySink('memory');
  const deadLetters = new MemoryDeadLetterSink();
  let prometheusUrl = '';
  let targetFile = '';
  let endpoint: MetricsEndpoint;
  let summary: PipelineSummary;
  let runStarted = 0;
  const readyzSeen: { before: number; during: number; after: number; bodyBefore: string } = { before: 0, during: 0, after: 0, bodyBefore: '' };

  async function query(expr: string, time?: number): Promise<PromResponse> {
    const params = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
    return (await (await fetch(`${prometheusUrl}/api/v1/query?${params}`)).json()) as PromResponse;
  }

  async function queryRange(expr: string, start: number, end: number): Promise<PromResponse> {
    const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: '1' });
    return (await (await fetch(`${prometheusUrl}/api/v1/query_range?${params}`)).json()) as PromResponse;
  }

  /** The single value of an instant query (0 when it returns nothing). */
  async function scalar(expr: string): Promise<number> {
    const response = await query(expr);
    expect(response.status, `${expr}: ${response.error}`).toBe('success');
    const result = response.data?.result ?? [];
    expect(result.length, expr).toBeLessThanOrEqual(1);
    return result.length === 0 ? 0 : Number(result[0]!.value![1]);
  }

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(250);
    }
  }

  const sel = `{run="${runId}"}`;

  beforeAll(async () => {
    prometheusUrl = serviceSettings('prometheus').url;
    endpoint = await startMetricsEndpoint({ events, port: 0 });
    targetFile = join(serviceSettings('prometheus').targetsDir, `metrics-it-${runId}.json`);
    writeFileSync(targetFile, JSON.stringify([{ targets: [`127.0.0.1:${endpoint.server.port}`], labels: { run: runId } }]));
    // file_sd picks the target up within a second; the first scrape follows within the 1 s interval.
    await waitFor('the first scrape of /metrics', async () => (await query(`up${sel} == 1`)).data?.result.length === 1);

    const before = await fetch(`${endpoint.server.url}/readyz`);
    readyzSeen.before = before.status;
    readyzSeen.bodyBefore = await before.text();

    sink.failures = [new TransientError('connection reset', { code: 'connection_reset' }), undefined, new PermanentError('value too long', { code: 'value_too_long' })];
    const source = new LagReportingSource(openFileSource(generated.file, { readOptions, speed: SPEED }), generated.dataLines + 1);
    const runner = new PipelineRunner({
      topology: readingsTopology(topology),
      streams: { readings: source },
      sinks: [sink],
      deadLetters,
      events,
      onSinkFailure: 'dead-letter',
      retryPolicy: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, multiplier: 2, jitter: 0 },
    });
    runStarted = Date.now() / 1000;
    const run = runner.run();
    await waitFor('/readyz 200 while the replay runs', async () => (await fetch(`${endpoint.server.url}/readyz`)).status === 200, 10_000);
    readyzSeen.during = 200;
    summary = await run;
    readyzSeen.after = (await fetch(`${endpoint.server.url}/readyz`)).status;

    // Prometheus has the final counters once a scrape after the end of the run has landed.
    await waitFor('the final counters in Prometheus', async () => {
      const response = await query(`sum(cloudpulse_records_in_total${sel})`);
      return Number(response.data?.result[0]?.value?.[1] ?? -1) === summary.recordsIn
        && (await query(`cloudpulse_pipeline_state{run="${runId}",state="stopped"} == 1`)).data?.result.length === 1;
    });
  }, 120_000);

  afterAll(async () => {
    if (targetFile !== '') rmSync(targetFile, { force: true });
    await endpoint?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /readyz 503 before the pipeline is ready, 200 while it runs, 503 after it stopped', () => {
    expect(readyzSeen.before).toBe(503);
    expect(JSON.parse(readyzSeen.bodyBefore)).toMatchObject({ ready: false, reason: 'no pipeline has started yet' });
    expect(readyzSeen.during).toBe(200);
    expect(readyzSeen.after).toBe(503);
  });

  it('scrapes counters that agree with the run and with the generated input', async () => {
    const recordsIn = await scalar(`sum(cloudpulse_records_in_total${sel})`);
    const recordsOut = await scalar(`sum(cloudpulse_records_out_total${sel})`);
    const dead = await scalar(`sum(cloudpulse_dead_letters_total${sel})`);
    const late = await scalar(`sum(cloudpulse_late_records_total${sel})`);
    const filtered = await scalar(`sum(cloudpulse_filtered_records_total${sel})`);

    // Every record of the file is a record in, and leaves in exactly one counted way.
    expect(recordsIn).toBe(generated.dataLines);
    expect(recordsIn).toBe(summary.recordsIn);
    expect(recordsIn).toBe(recordsOut + dead + late + filtered);

    const sinkRejected = deadLetters.letters.filter((l) => l.reason === 'sink_rejected').length;
    expect(sinkRejected).toBeGreaterThan(0);
    expect(recordsOut).toBe(sink.rows.length);
    expect(dead).toBe(deadLetters.letters.length);
    expect(await scalar(`sum(cloudpulse_dead_letters_total{run="${runId}",reason="parse_error"})`)).toBe(generated.unparseable);
    expect(await scalar(`sum(cloudpulse_dead_letters_total{run="${runId}",reason="out_of_range"})`)).toBe(generated.outOfRange);
    expect(await scalar(`sum(cloudpulse_dead_letters_total{run="${runId}",reason="sink_rejected"})`)).toBe(sinkRejected);
    expect(late).toBe(generated.late);
    expect(late).toBe(summary.late);
    expect(filtered).toBe(generated.filtered);
    expect(recordsOut + sinkRejected).toBe(generated.dataLines - generated.unparseable - generated.outOfRange - generated.filtered - generated.late);
  });

  it('scrapes sink writes, retries, replay progress, watermark, window state and consumer lag as they happened', async () => {
    expect(await scalar(`sum(cloudpulse_sink_writes_total{run="${runId}",outcome="error"})`)).toBe(1);
    expect(await scalar(`sum(cloudpulse_retries_total{run="${runId}",error_code="connection_reset"})`)).toBe(1);
    // Every row the topology emitted went into one sink write (the failed one included).
    expect(await scalar(`sum(cloudpulse_sink_batch_records_sum${sel})`)).toBe(sink.rows.length + deadLetters.letters.filter((l) => l.reason === 'sink_rejected').length);
    expect(await scalar(`sum(cloudpulse_replay_rows_total${sel})`)).toBe(generated.dataLines - generated.unparseable);
    expect(await scalar(`sum(cloudpulse_replay_input_bytes${sel})`)).toBe(statSync(generated.file).size);
    expect(await scalar(`sum(cloudpulse_replay_speed_factor${sel})`)).toBe(SPEED);
    // Prometheus holds the last watermark the engine reported; the batch that ends the file does not move
    // it (an ended partition stops holding the watermark), so it lies within the last second of input.
    const watermark = await scalar(`cloudpulse_watermark_timestamp_seconds${sel} * 1000`);
    expect(watermark).toBeCloseTo(lastWatermark, 3);
    expect(watermark).toBeLessThanOrEqual(generated.maxEventTime - MAX_OUT_OF_ORDERNESS_MS - 1);
    expect(watermark).toBeGreaterThan(generated.maxEventTime - MAX_OUT_OF_ORDERNESS_MS - 1 - 1000);
    expect(await scalar(`cloudpulse_event_time_lag_seconds${sel}`)).toBeGreaterThan(Date.now() / 1000 - generated.maxEventTime / 1000 - 60);
    // At the end of input every window fired: no state is left.
    expect(await scalar(`cloudpulse_window_open_windows${sel}`)).toBe(0);
    expect(await scalar(`max_over_time(cloudpulse_window_keys${sel}[5m])`)).toBeGreaterThan(1);
    expect(await scalar(`sum(cloudpulse_consumer_lag_records${sel})`)).toBe(0);
    expect(await scalar(`max_over_time(cloudpulse_consumer_lag_records${sel}[5m])`)).toBeGreaterThan(0);
    expect(await scalar(`cloudpulse_source_committed_offset${sel}`)).toBe(generated.dataLines + 2);
    expect(await scalar(`sum(cloudpulse_commit_seconds_count${sel})`)).toBeGreaterThan(0);
  });

  it('evaluates every PromQL expression of the dashboard to at least one series', async () => {
    const expressions = dashboardExpressions(loadDashboard(join(here, 'dashboards', 'cloudpulse.json')));
    expect(expressions.length).toBeGreaterThan(20);
    const end = Date.now() / 1000;
    const empty: string[] = [];
    for (const { panel, refId, expr } of expressions) {
      const promql = interpolate(expr, { topology, rateInterval: '5s', interval: '1s' });
      const response = await queryRange(promql, runStarted - 5, end);
      expect(response.status, `${panel} ${refId}: ${promql}: ${response.error}`).toBe('success');
      if ((response.data?.result.length ?? 0) === 0) empty.push(`${panel} ${refId}: ${promql}`);
    }
    expect(empty).toEqual([]);
    // The topology variable (label_values(cloudpulse_pipeline_state, topology)) lists the running topology.
    const params = new URLSearchParams({ 'match[]': 'cloudpulse_pipeline_state', start: String(runStarted - 5), end: String(end) });
    const labels = (await (await fetch(`${prometheusUrl}/api/v1/label/topology/values?${params}`)).json()) as { data: string[] };
    expect(labels.data).toContain(topology);
  });

  it('evaluates every alert expression of alerts.yml without error', async () => {
    const doc = parse(readFileSync(join(here, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const rules = doc.groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThanOrEqual(5);
    for (const rule of rules) {
      const response = await query(rule.expr);
      expect(response.status, `${rule.alert}: ${response.error}`).toBe('success');
      expect(response.data?.resultType, rule.alert).toBe('vector');
    }
  });
});
