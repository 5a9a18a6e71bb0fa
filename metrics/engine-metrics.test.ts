import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EngineEvents, VirtualClock, type EngineEvent } from '../engine/index.js';
import { EngineMetrics } from './engine-metrics.js';

const T = 'trades';

function setup(start = 1_700_000_000_000, maxFreeLabelValues?: number) {
  const registry = new Registry();
  const clock = new VirtualClock(start);
  const events = new EngineEvents();
  const metrics = new EngineMetrics({ registry, clock, ...(maxFreeLabelValues === undefined ? {} : { maxFreeLabelValues }) });
  const detach = metrics.attach(events);
  const emit = (...list: EngineEvent[]): void => list.forEach((e) => events.emit(e));
  /** The exposition text's sample lines (no HELP/TYPE), as `name{labels} value`. */
  const samples = async (): Promise<string[]> => (await registry.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return { registry, clock, events, emit, samples, detach };
}

describe('EngineMetrics', () => {
  it('counts records in, out, dead-lettered, late and filtered with their labels', async () => {
    const { emit, samples } = setup();
    emit(
      { type: 'records_in', topology: T, source: 'ticks.csv', partition: 'ticks.csv', count: 7 },
      { type: 'records_in', topology: T, source: 'ticks.csv', partition: 'ticks.csv', count: 3 },
      { type: 'records_out', topology: T, sink: 'postgres', table: 'bars', count: 6 },
      { type: 'dead_letter', topology: T, source: 'ticks.csv', reason: 'parse_error', count: 1 },
      { type: 'dead_letter', topology: T, source: 'ticks.csv', reason: 'parse_error', count: 1 },
      { type: 'late', topology: T, operator: 'bars', count: 1 },
      { type: 'filtered', topology: T, operator: 'symbol', count: 1 },
    );
    const lines = await samples();
    expect(lines).toContain('cloudpulse_records_in_total{topology="trades",source="ticks.csv",partition="ticks.csv"} 10');
    expect(lines).toContain('cloudpulse_records_out_total{topology="trades",sink="postgres",table="bars"} 6');
    expect(lines).toContain('cloudpulse_dead_letters_total{topology="trades",source="ticks.csv",reason="parse_error"} 2');
    expect(lines).toContain('cloudpulse_late_records_total{topology="trades",operator="bars"} 1');
    expect(lines).toContain('cloudpulse_filtered_records_total{topology="trades",operator="symbol"} 1');
  });

  it('exposes counter, gauge and histogram types with help text', async () => {
    const { registry, emit } = setup();
    emit({ type: 'batch_processed', topology: T, records: 10, seconds: 0.002 }, { type: 'in_flight', topology: T, records: 3, paused: false });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE cloudpulse_records_in_total counter');
    expect(text).toContain('# TYPE cloudpulse_in_flight_records gauge');
    expect(text).toContain('# TYPE cloudpulse_batch_processing_seconds histogram');
    expect(text).toMatch(/# HELP cloudpulse_event_time_lag_seconds \S+/);
  });

  it('observes processing, sink-write and commit latencies in histograms (seconds) and sink batch sizes', async () => {
    const { emit, samples } = setup();
    emit(
      { type: 'batch_processed', topology: T, records: 1000, seconds: 0.003 },
      { type: 'sink_write', topology: T, sink: 'es', records: 500, seconds: 0.2, ok: true },
      { type: 'sink_write', topology: T, sink: 'es', records: 20, seconds: 1.5, ok: false },
      { type: 'commit', topology: T, source: 'kafka', partitions: 3, seconds: 0.004 },
    );
    const lines = await samples();
    expect(lines).toContain('cloudpulse_batch_processing_seconds_bucket{le="0.0025",topology="trades"} 0');
    expect(lines).toContain('cloudpulse_batch_processing_seconds_bucket{le="0.005",topology="trades"} 1');
    expect(lines).toContain('cloudpulse_batch_processing_seconds_sum{topology="trades"} 0.003');
    expect(lines).toContain('cloudpulse_sink_write_seconds_bucket{le="0.25",topology="trades",sink="es"} 1');
    expect(lines).toContain('cloudpulse_sink_write_seconds_bucket{le="2.5",topology="trades",sink="es"} 2');
    expect(lines).toContain('cloudpulse_sink_batch_records_bucket{le="16",topology="trades",sink="es"} 0');
    expect(lines).toContain('cloudpulse_sink_batch_records_bucket{le="64",topology="trades",sink="es"} 1');
    expect(lines).toContain('cloudpulse_sink_batch_records_sum{topology="trades",sink="es"} 520');
    expect(lines).toContain('cloudpulse_sink_writes_total{topology="trades",sink="es",outcome="ok"} 1');
    expect(lines).toContain('cloudpulse_sink_writes_total{topology="trades",sink="es",outcome="error"} 1');
    expect(lines).toContain('cloudpulse_commit_seconds_count{topology="trades",source="kafka"} 1');
  });

  it('reports a sink\'s error count as 0 from its first write on, so error rates are never absent', async () => {
    const { emit, samples } = setup();
    emit({ type: 'sink_write', topology: T, sink: 'pg', records: 5, seconds: 0.01, ok: true });
    expect(await samples()).toContain('cloudpulse_sink_writes_total{topology="trades",sink="pg",outcome="error"} 0');
  });

  it('counts retries by component and error code', async () => {
    const { emit, samples } = setup();
    emit(
      { type: 'retry', topology: T, component: 'pg', errorCode: 'connection_lost', attempt: 1 },
      { type: 'retry', topology: T, component: 'pg', errorCode: 'connection_lost', attempt: 2 },
      { type: 'retry', topology: T, component: 'es', errorCode: 'throttled', attempt: 1 },
    );
    const lines = await samples();
    expect(lines).toContain('cloudpulse_retries_total{topology="trades",component="pg",error_code="connection_lost"} 2');
    expect(lines).toContain('cloudpulse_retries_total{topology="trades",component="es",error_code="throttled"} 1');
  });

  it('caps the distinct values of code-defined labels, reporting the rest as other', async () => {
    const { emit, samples } = setup(0, 2);
    for (const reason of ['a', 'b', 'c', 'd', 'a']) emit({ type: 'dead_letter', topology: T, source: 's', reason, count: 1 });
    const lines = (await samples()).filter((l) => l.startsWith('cloudpulse_dead_letters_total'));
    expect(lines.sort()).toEqual([
      'cloudpulse_dead_letters_total{topology="trades",source="s",reason="a"} 2',
      'cloudpulse_dead_letters_total{topology="trades",source="s",reason="b"} 1',
      'cloudpulse_dead_letters_total{topology="trades",source="s",reason="other"} 2',
    ]);
  });

  it('exports the watermark as a Unix time and the event-time lag against the clock at scrape time', async () => {
    const { emit, samples, clock } = setup(1_700_000_100_000);
    emit({ type: 'watermark', topology: T, operator: 'wm', watermark: 1_700_000_000_000 });
    let lines = await samples();
    expect(lines).toContain('cloudpulse_watermark_timestamp_seconds{topology="trades",operator="wm"} 1700000000');
    expect(lines).toContain('cloudpulse_event_time_lag_seconds{topology="trades",operator="wm"} 100');
    clock.advance(30_000);
    lines = await samples();
    expect(lines).toContain('cloudpulse_event_time_lag_seconds{topology="trades",operator="wm"} 130');
    emit({ type: 'watermark', topology: T, operator: 'wm', watermark: 1_700_000_125_000 });
    expect(await samples()).toContain('cloudpulse_event_time_lag_seconds{topology="trades",operator="wm"} 5');
  });

  it('reports window state, in-flight records and the paused flag as gauges', async () => {
    const { emit, samples } = setup();
    emit(
      { type: 'window_state', topology: T, operator: 'bars', openWindows: 4, keys: 40 },
      { type: 'window_state', topology: T, operator: 'bars', openWindows: 2, keys: 9 },
      { type: 'in_flight', topology: T, records: 5000, paused: true },
    );
    let lines = await samples();
    expect(lines).toContain('cloudpulse_window_open_windows{topology="trades",operator="bars"} 2');
    expect(lines).toContain('cloudpulse_window_keys{topology="trades",operator="bars"} 9');
    expect(lines).toContain('cloudpulse_in_flight_records{topology="trades"} 5000');
    expect(lines).toContain('cloudpulse_source_paused{topology="trades"} 1');
    emit({ type: 'in_flight', topology: T, records: 10, paused: false });
    lines = await samples();
    expect(lines).toContain('cloudpulse_source_paused{topology="trades"} 0');
  });

  it('reports consumer lag per partition as end offset minus committed offset', async () => {
    const { emit, samples } = setup();
    emit(
      { type: 'consumer_lag', topology: T, source: 'ticks', partition: '0', endOffset: 1500, committedOffset: 1200 },
      { type: 'consumer_lag', topology: T, source: 'ticks', partition: '1', endOffset: 80, committedOffset: 80 },
    );
    const lines = await samples();
    expect(lines).toContain('cloudpulse_consumer_lag_records{topology="trades",source="ticks",partition="0"} 300');
    expect(lines).toContain('cloudpulse_consumer_lag_records{topology="trades",source="ticks",partition="1"} 0');
    expect(lines).toContain('cloudpulse_source_end_offset{topology="trades",source="ticks",partition="0"} 1500');
    expect(lines).toContain('cloudpulse_source_committed_offset{topology="trades",source="ticks",partition="0"} 1200');
  });

  it('turns cumulative replay progress into a rows counter, with bytes and speed gauges', async () => {
    const { emit, samples } = setup();
    emit(
      { type: 'replay_progress', topology: T, source: 'ticks.csv', rows: 1000, totalBytes: 50_000, bytesRead: 20_000, speed: 60 },
      { type: 'replay_progress', topology: T, source: 'ticks.csv', rows: 2500, totalBytes: 50_000, bytesRead: 50_000, speed: 60 },
    );
    let lines = await samples();
    expect(lines).toContain('cloudpulse_replay_rows_total{topology="trades",source="ticks.csv"} 2500');
    expect(lines).toContain('cloudpulse_replay_read_bytes{topology="trades",source="ticks.csv"} 50000');
    expect(lines).toContain('cloudpulse_replay_input_bytes{topology="trades",source="ticks.csv"} 50000');
    expect(lines).toContain('cloudpulse_replay_speed_factor{topology="trades",source="ticks.csv"} 60');
    // A second replay of the same file in this process starts again from zero: the counter keeps growing.
    emit({ type: 'replay_progress', topology: T, source: 'ticks.csv', rows: 400, speed: 'max' });
    lines = await samples();
    expect(lines).toContain('cloudpulse_replay_rows_total{topology="trades",source="ticks.csv"} 2900');
    expect(lines).toContain('cloudpulse_replay_speed_factor{topology="trades",source="ticks.csv"} 0');
  });

  it('reports the lifecycle state as a one-hot gauge and stamps progress', async () => {
    const { emit, samples, clock } = setup(1_700_000_000_000);
    emit({ type: 'lifecycle', topology: T, state: 'starting' });
    let lines = await samples();
    expect(lines).toContain('cloudpulse_pipeline_state{topology="trades",state="starting"} 1');
    expect(lines).toContain('cloudpulse_pipeline_state{topology="trades",state="ready"} 0');
    expect(lines.some((l) => l.startsWith('cloudpulse_last_progress_timestamp_seconds'))).toBe(false);
    emit({ type: 'lifecycle', topology: T, state: 'ready' });
    clock.advance(5_000);
    emit({ type: 'sink_write', topology: T, sink: 'pg', records: 1, seconds: 0.01, ok: false });
    lines = await samples();
    expect(lines).toContain('cloudpulse_pipeline_state{topology="trades",state="starting"} 0');
    expect(lines).toContain('cloudpulse_pipeline_state{topology="trades",state="ready"} 1');
    // A failed write is no progress: the stamp stays at the time the pipeline became ready.
    expect(lines).toContain('cloudpulse_last_progress_timestamp_seconds{topology="trades"} 1700000000');
    clock.advance(5_000);
    emit({ type: 'commit', topology: T, source: 's', partitions: 1, seconds: 0.001 });
    expect(await samples()).toContain('cloudpulse_last_progress_timestamp_seconds{topology="trades"} 1700000010');
  });

  it('stops counting once detached', async () => {
    const { emit, samples, detach } = setup();
    emit({ type: 'records_in', topology: T, source: 's', partition: 'p', count: 1 });
    detach();
    emit({ type: 'records_in', topology: T, source: 's', partition: 'p', count: 1 });
    expect(await samples()).toContain('cloudpulse_records_in_total{topology="trades",source="s",partition="p"} 1');
  });
});
