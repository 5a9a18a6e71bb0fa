import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { systemClock, type Clock, type EngineEvent, type EngineEvents } from '../engine/index.js';
import { metricNames as n, pipelineStates } from './metric-names.js';

/** Options of {@link EngineMetrics}. */
export interface EngineMetricsOptions {
  /** Where the metrics are registered; one registry per `EngineMetrics`. */
  readonly registry: Registry;
  /** Wall clock for the event-time lag and progress timestamps (default the system clock). */
  readonly clock?: Clock;
  /**
   * Most distinct values kept for a label whose values come from code rather than configuration
   * (dead-letter reason, retry error code); later ones are reported as `other`. Default 64.
   */
  readonly maxFreeLabelValues?: number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH_SIZE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536];

/** Caps the distinct values of one label, so a misbehaving error classifier cannot explode cardinality. */
class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(raw);
    return raw;
  }
}

/**
 * Maps engine events to Prometheus metrics (names in `metric-names.ts`) in one registry. Subscribe it
 * with {@link EngineMetrics.attach}; {@link EngineMetrics.record} is the listener itself. Every method is
 * cheap and never throws on a well-typed event, as `EngineEvents` listeners must be.
 */
export class EngineMetrics {
  private readonly clock: Clock;
  private readonly recordsIn: Counter<'topology' | 'source' | 'partition'>;
  private readonly recordsOut: Counter<'topology' | 'sink' | 'table'>;
  private readonly deadLetters: Counter<'topology' | 'source' | 'reason'>;
  private readonly late: Counter<'topology' | 'operator'>;
  private readonly filtered: Counter<'topology' | 'operator'>;
  private readonly batchSeconds: Histogram<'topology'>;
  private readonly sinkWrites: Counter<'topology' | 'sink' | 'outcome'>;
  private readonly sinkWriteSeconds: Histogram<'topology' | 'sink'>;
  private readonly sinkBatchRecords: Histogram<'topology' | 'sink'>;
  private readonly retries: Counter<'topology' | 'component' | 'error_code'>;
  private readonly commitSeconds: Histogram<'topology' | 'source'>;
  private readonly watermark: Gauge<'topology' | 'operator'>;
  private readonly windowOpen: Gauge<'topology' | 'operator'>;
  private readonly windowKeys: Gauge<'topology' | 'operator'>;
  private readonly inFlight: Gauge<'topology'>;
  private readonly paused: Gauge<'topology'>;
  private readonly consumerLag: Gauge<'topology' | 'source' | 'partition'>;
  private readonly endOffset: Gauge<'topology' | 'source' | 'partition'>;
  private readonly committedOffset: Gauge<'topology' | 'source' | 'partition'>;
  private readonly replayRows: Counter<'topology' | 'source'>;
  private readonly replayReadBytes: Gauge<'topology' | 'source'>;
  private readonly replayInputBytes: Gauge<'topology' | 'source'>;
  private readonly replaySpeed: Gauge<'topology' | 'source'>;
  private readonly pipelineState: Gauge<'topology' | 'state'>;
  private readonly lastProgress: Gauge<'topology'>;

  /** Latest watermark (ms) per topology/operator, for the lag computed at scrape time. */
  private readonly watermarks = new Map<string, { topology: string; operator: string; watermark: number }>();
  /** Last cumulative row count per replay source, to turn `replay_progress` into counter increments. */
  private readonly replayRowsSeen = new Map<string, number>();
  private readonly sinksSeen = new Set<string>();
  private readonly reasons: BoundedLabel;
  private readonly errorCodes: BoundedLabel;

  constructor(options: EngineMetricsOptions) {
    const registers = [options.registry];
    this.clock = options.clock ?? systemClock;
    const maxFree = options.maxFreeLabelValues ?? 64;
    this.reasons = new BoundedLabel(maxFree);
    this.errorCodes = new BoundedLabel(maxFree);

    this.recordsIn = new Counter({ name: n.recordsIn, help: 'Records read from a source, including unreadable ones (those are also dead letters).', labelNames: ['topology', 'source', 'partition'], registers });
    this.recordsOut = new Counter({ name: n.recordsOut, help: 'Rows a sink wrote durably.', labelNames: ['topology', 'sink', 'table'], registers });
    this.deadLetters = new Counter({ name: n.deadLetters, help: 'Records sent to the dead-letter destination, by reason.', labelNames: ['topology', 'source', 'reason'], registers });
    this.late = new Counter({ name: n.lateRecords, help: 'Records past their window\'s allowed lateness.', labelNames: ['topology', 'operator'], registers });
    this.filtered = new Counter({ name: n.filteredRecords, help: 'Records a filter dropped on purpose.', labelNames: ['topology', 'operator'], registers });
    this.batchSeconds = new Histogram({ name: n.batchProcessingSeconds, help: 'Time the topology took for one source batch.', labelNames: ['topology'], buckets: LATENCY_BUCKETS, registers });
    this.sinkWrites = new Counter({ name: n.sinkWrites, help: 'Sink writes after retries, by outcome (ok or error).', labelNames: ['topology', 'sink', 'outcome'], registers });
    this.sinkWriteSeconds = new Histogram({ name: n.sinkWriteSeconds, help: 'Duration of one sink write, retries included.', labelNames: ['topology', 'sink'], buckets: LATENCY_BUCKETS, registers });
    this.sinkBatchRecords = new Histogram({ name: n.sinkBatchRecords, help: 'Rows per sink write.', labelNames: ['topology', 'sink'], buckets: BATCH_SIZE_BUCKETS, registers });
    this.retries = new Counter({ name: n.retries, help: 'Retried failures, by component and error code.', labelNames: ['topology', 'component', 'error_code'], registers });
    this.commitSeconds = new Histogram({ name: n.commitSeconds, help: 'Duration of a source commit (the count is the number of commits).', labelNames: ['topology', 'source'], buckets: LATENCY_BUCKETS, registers });
    this.watermark = new Gauge({ name: n.watermark, help: 'Current event-time watermark of an operator, as a Unix time.', labelNames: ['topology', 'operator'], registers });
    const watermarks = this.watermarks;
    const clock = this.clock;
    new Gauge({
      name: n.eventTimeLag,
      help: 'Event-time lag of an operator: wall clock minus its watermark.',
      labelNames: ['topology', 'operator'],
      registers,
      collect() {
        const now = clock.now();
        for (const { topology, operator, watermark } of watermarks.values()) this.set({ topology, operator }, (now - watermark) / 1000);
      },
    });
    this.windowOpen = new Gauge({ name: n.windowOpen, help: 'Windows kept in state (open or within allowed lateness).', labelNames: ['topology', 'operator'], registers });
    this.windowKeys = new Gauge({ name: n.windowKeys, help: '(key, window) accumulators kept in state.', labelNames: ['topology', 'operator'], registers });
    this.inFlight = new Gauge({ name: n.inFlight, help: 'Records read and not yet durably written.', labelNames: ['topology'], registers });
    this.paused = new Gauge({ name: n.sourcePaused, help: '1 while the sources are paused by the in-flight bound.', labelNames: ['topology'], registers });
    this.consumerLag = new Gauge({ name: n.consumerLag, help: 'Log end offset minus committed offset of a source partition.', labelNames: ['topology', 'source', 'partition'], registers });
    this.endOffset = new Gauge({ name: n.endOffset, help: 'Log end offset of a source partition (next offset to be written).', labelNames: ['topology', 'source', 'partition'], registers });
    this.committedOffset = new Gauge({ name: n.committedOffset, help: 'Committed offset of a source partition (next offset to read).', labelNames: ['topology', 'source', 'partition'], registers });
    this.replayRows = new Counter({ name: n.replayRows, help: 'Rows a replay emitted.', labelNames: ['topology', 'source'], registers });
    this.replayReadBytes = new Gauge({ name: n.replayReadBytes, help: 'Bytes of the replayed input done.', labelNames: ['topology', 'source'], registers });
    this.replayInputBytes = new Gauge({ name: n.replayInputBytes, help: 'Size of the replayed input in bytes.', labelNames: ['topology', 'source'], registers });
    this.replaySpeed = new Gauge({ name: n.replaySpeed, help: 'Replay speed factor (event time x factor); 0 = as fast as possible.', labelNames: ['topology', 'source'], registers });
    this.pipelineState = new Gauge({ name: n.pipelineState, help: '1 for the pipeline\'s current lifecycle state, 0 for the others.', labelNames: ['topology', 'state'], registers });
    this.lastProgress = new Gauge({ name: n.lastProgress, help: 'Unix time of the last progress: ready, a durable sink write, or a commit.', labelNames: ['topology'], registers });
  }

  /** Subscribes to `events`; returns the unsubscribe function. */
  attach(events: EngineEvents): () => void {
    return events.on(this.record);
  }

  /** The listener: updates the metrics one event touches. */
  readonly record = (event: EngineEvent): void => {
    switch (event.type) {
      case 'records_in':
        this.recordsIn.inc({ topology: event.topology, source: event.source, partition: event.partition }, event.count);
        return;
      case 'records_out':
        this.recordsOut.inc({ topology: event.topology, sink: event.sink, table: event.table }, event.count);
        return;
      case 'dead_letter':
        this.deadLetters.inc({ topology: event.topology, source: event.source, reason: this.reasons.value(event.reason) }, event.count);
        return;
      case 'late':
        this.late.inc({ topology: event.topology, operator: event.operator }, event.count);
        return;
      case 'filtered':
        this.filtered.inc({ topology: event.topology, operator: event.operator }, event.count);
        return;
      case 'batch_processed':
        this.batchSeconds.observe({ topology: event.topology }, event.seconds);
        return;
      case 'sink_write':
        this.sinkWrite(event);
        return;
      case 'retry':
        this.retries.inc({ topology: event.topology, component: event.component, error_code: this.errorCodes.value(event.errorCode) });
        return;
      case 'commit':
        this.commitSeconds.observe({ topology: event.topology, source: event.source }, event.seconds);
        this.progress(event.topology);
        return;
      case 'watermark':
        if (!Number.isFinite(event.watermark)) return;
        this.watermark.set({ topology: event.topology, operator: event.operator }, event.watermark / 1000);
        this.watermarks.set(`${event.topology}\u0000${event.operator}`, { topology: event.topology, operator: event.operator, watermark: event.watermark });
        return;
      case 'window_state':
        this.windowOpen.set({ topology: event.topology, operator: event.operator }, event.openWindows);
        this.windowKeys.set({ topology: event.topology, operator: event.operator }, event.keys);
        return;
      case 'in_flight':
        this.inFlight.set({ topology: event.topology }, event.records);
        this.paused.set({ topology: event.topology }, event.paused ? 1 : 0);
        return;
      case 'consumer_lag': {
        const labels = { topology: event.topology, source: event.source, partition: event.partition };
        this.endOffset.set(labels, event.endOffset);
        this.committedOffset.set(labels, event.committedOffset);
        this.consumerLag.set(labels, Math.max(0, event.endOffset - event.committedOffset));
        return;
      }
      case 'replay_progress':
        this.replayProgress(event);
        return;
      case 'lifecycle':
        for (const state of pipelineStates) this.pipelineState.set({ topology: event.topology, state }, state === event.state ? 1 : 0);
        if (event.state === 'ready') this.progress(event.topology);
        return;
    }
  };

  private sinkWrite(event: Extract<EngineEvent, { type: 'sink_write' }>): void {
    const { topology, sink } = event;
    const id = `${topology}\u0000${sink}`;
    if (!this.sinksSeen.has(id)) {
      // Both outcomes exist from the first write on, so `rate(...{outcome="error"})` is 0, not absent.
      this.sinksSeen.add(id);
      this.sinkWrites.inc({ topology, sink, outcome: 'ok' }, 0);
      this.sinkWrites.inc({ topology, sink, outcome: 'error' }, 0);
    }
    this.sinkWrites.inc({ topology, sink, outcome: event.ok ? 'ok' : 'error' });
    this.sinkWriteSeconds.observe({ topology, sink }, event.seconds);
    this.sinkBatchRecords.observe({ topology, sink }, event.records);
    if (event.ok) this.progress(topology);
  }

  private replayProgress(event: Extract<EngineEvent, { type: 'replay_progress' }>): void {
    const labels = { topology: event.topology, source: event.source };
    const id = `${event.topology}\u0000${event.source}`;
    const before = this.replayRowsSeen.get(id) ?? 0;
    // A smaller cumulative count is a new replay of the same source in this process: count it from zero.
    const delta = event.rows >= before ? event.rows - before : event.rows;
    this.replayRowsSeen.set(id, event.rows);
    this.replayRows.inc(labels, delta);
    if (event.bytesRead !== undefined) this.replayReadBytes.set(labels, event.bytesRead);
    if (event.totalBytes !== undefined) this.replayInputBytes.set(labels, event.totalBytes);
    this.replaySpeed.set(labels, event.speed === 'max' ? 0 : event.speed);
  }

  private progress(topology: string): void {
    this.lastProgress.set({ topology }, this.clock.now() / 1000);
  }
}
