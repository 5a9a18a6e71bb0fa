import { Subject, type Subscription } from 'rxjs';
import type { DeadLetter } from '../dead-letter.js';
import { EngineError, FencedError } from '../errors.js';
import { EngineEvents } from '../events.js';
import type { Row } from '../input.js';
import { partitionId, type SourcePosition, type StreamBatch, type StreamRecord } from '../record.js';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from '../retry.js';
import { isSourceCommittingSink, isTransactionalSink, type Sink } from '../sink.js';
import type { Source, SourceContext } from '../source.js';
import type { TableRow } from '../table.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { StateHolds, Topology, TopologyContext } from '../topology.js';
import type { DeadLetterSink } from './dead-letter-sink.js';
import { partitionRuns, type PartitionRun } from './partition-runs.js';
import { PositionTracker, type PositionTicket } from './position-tracker.js';

/** What to do when a sink rejects a batch permanently (after retries, or a non-retryable error). */
export type SinkFailurePolicy = 'stop' | 'dead-letter';

export interface PipelineOptions {
  readonly topology: Topology;
  /** One source per stream input of the topology, by input name. */
  readonly streams: Readonly<Record<string, Source<Row>>>;
  /** One bounded source per table input, read completely before the streams start. */
  readonly tables?: Readonly<Record<string, Source<Row>>>;
  readonly sinks: readonly Sink[];
  readonly deadLetters: DeadLetterSink;
  /** Where late records go when kept (the late-data side output); counted either way. */
  readonly lateRecords?: DeadLetterSink;
  readonly options?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  readonly events?: EngineEvents;
  readonly retryPolicy?: RetryPolicy;
  readonly onSinkFailure?: SinkFailurePolicy;
  /** Records read but not yet durably written before the sources are paused (DESIGN.md invariant 6). */
  readonly maxInFlightRecords?: number;
}

/** The outcome of a run, for summaries and tests. */
export interface PipelineSummary {
  readonly recordsIn: number;
  readonly rowsOut: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  readonly late: number;
  readonly committed: readonly SourcePosition[];
  readonly stoppedEarly: boolean;
}

interface WriteJob {
  readonly ticket: PositionTicket | undefined;
  readonly inputRecords: number;
  readonly outputs: readonly StreamRecord<TableRow>[];
  readonly deadLetters: readonly DeadLetter[];
  readonly late: readonly DeadLetter[];
  /**
   * State holds right after the batch was processed. Committing with this snapshot (not the current
   * holds) matters: a window fired by a later batch has its result in a later, not yet durable job.
   */
  readonly holds: ReadonlyMap<string, number>;
}

/**
 * Runs one topology from its sources to its sinks with the engine's guarantees: records in flight are
 * bounded (sources pause), a batch's positions are acknowledged only after every sink and the
 * dead-letter destination have durably written what it caused, and commits never pass an
 * unacknowledged record or a state hold. Source commits run beside the writes (one in flight, later
 * positions coalescing into the next); a sink that commits the source's positions commits in line with
 * its writes. `stop()` drains, flushes and commits, awaiting the last commit (graceful stop).
 */
export class PipelineRunner {
  private readonly clock: Clock;
  private readonly events: EngineEvents;
  private readonly tracker = new PositionTracker();
  private readonly holdFns = new Map<string, () => ReadonlyMap<string, number>>();
  private readonly maxInFlight: number;
  private readonly queue: WriteJob[] = [];
  private readonly rowsOut: Record<string, number> = {};
  private readonly committed = new Map<string, SourcePosition>();
  private readonly subscriptions: Subscription[] = [];

  private pendingOutputs: StreamRecord<TableRow>[] = [];
  private pendingDeadLetters: DeadLetter[] = [];
  private pendingLate: DeadLetter[] = [];
  private inFlight = 0;
  private paused = false;
  private recordsIn = 0;
  private deadLettered = 0;
  private late = 0;
  private stopping = false;
  private failure: unknown;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly options: PipelineOptions) {
    this.clock = options.clock ?? systemClock;
    this.events = options.events ?? new EngineEvents();
    this.maxInFlight = options.maxInFlightRecords ?? 100_000;
  }

  /** Runs until every bounded source completes (or `stop()` is called); resolves after the final commit. */
  async run(): Promise<PipelineSummary> {
    const { topology, sinks } = this.options;
    this.lifecycle('starting');
    // Two sinks committing the source's positions would each commit past data only the other wrote.
    if (sinks.filter(isSourceCommittingSink).length > 1) throw new EngineError('config_invalid', `at most one sink may commit the source's positions (${sinks.filter(isSourceCommittingSink).map((s) => s.name).join(', ')})`);
    for (const sink of sinks) await sink.open({ topology: topology.name, tables: topology.outputs, clock: this.clock, events: this.events });
    const resumeFrom = await this.storedPositions();

    const tables: Record<string, StreamRecord<Row>[]> = {};
    for (const [name, source] of Object.entries(this.options.tables ?? {})) tables[name] = await this.loadTable(source, resumeFrom);

    const subjects: Record<string, Subject<StreamBatch<Row>>> = {};
    for (const name of Object.keys(this.options.streams)) subjects[name] = new Subject<StreamBatch<Row>>();
    const output$ = topology.build({ streams: subjects, tables }, this.topologyContext());

    let outputDone!: () => void;
    const outputCompleted = new Promise<void>((resolve) => (outputDone = resolve));
    this.subscriptions.push(
      output$.subscribe({
        next: (batch) => {
          for (const record of batch.records) this.pendingOutputs.push(record);
        },
        error: (error: unknown) => this.fail(error),
        complete: () => outputDone(),
      }),
    );

    const writer = this.writeLoop();
    this.lifecycle('ready');
    await Promise.all(
      Object.entries(this.options.streams).map(([name, source]) => this.pump(name, source, subjects[name]!, resumeFrom)),
    );
    if (!this.stopping) {
      for (const subject of Object.values(subjects)) subject.complete();
      await outputCompleted;
    }
    // Whatever end of input (or a timer) caused goes out as a final job without positions of its own.
    this.enqueue(undefined, 0);
    this.stopping = true;
    this.wakeWriter?.();
    await writer;
    if (this.failure !== undefined) {
      await this.sourceCommitsSettled();
      return this.failRun();
    }
    for (const sink of sinks) await sink.flush(!this.stopped);
    await this.commit(this.holds(), true);
    // A background commit may have failed meanwhile.
    if (this.failure !== undefined) return this.failRun();
    await this.closeAll();
    this.lifecycle('stopped');
    return {
      recordsIn: this.recordsIn,
      rowsOut: { ...this.rowsOut },
      deadLettered: this.deadLettered,
      late: this.late,
      committed: [...this.committed.values()],
      stoppedEarly: this.stopped,
    };
  }

  private async failRun(): Promise<never> {
    await this.closeAll();
    this.lifecycle('failed', String(this.failure));
    throw this.failure;
  }

  private stopped = false;
  private readonly stopListeners: (() => void)[] = [];

  /** Graceful stop: stop reading, drain in-flight batches, flush sinks, commit; `run()` then resolves. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping = true;
    this.lifecycle('draining');
    for (const listener of this.stopListeners) listener();
    this.wakeWriter?.();
  }

  private pump(input: string, source: Source<Row>, subject: Subject<StreamBatch<Row>>, resumeFrom: readonly SourcePosition[]): Promise<void> {
    return new Promise<void>((resolve) => {
      const subscription = source.open(this.sourceContext(resumeFrom, true, source.name)).subscribe({
        next: (batch) => {
          if (this.stopping) return;
          const started = this.clock.now();
          const runs = partitionRuns(batch.records);
          const ticket = runs.length > 0 ? this.tracker.registerRuns(runs) : undefined;
          this.countIn(input, runs, batch.records.length);
          try {
            subject.next(batch);
          } catch (error) {
            this.fail(error);
            return;
          }
          this.enqueue(ticket, batch.records.length);
          this.events.emit({ type: 'batch_processed', topology: this.options.topology.name, records: batch.records.length, seconds: (this.clock.now() - started) / 1000 });
        },
        error: (error: unknown) => {
          this.fail(error);
          resolve();
        },
        complete: () => resolve(),
      });
      this.subscriptions.push(subscription);
      this.stopListeners.push(() => {
        subscription.unsubscribe();
        resolve();
      });
    });
  }

  private enqueue(ticket: PositionTicket | undefined, inputRecords: number): void {
    const job: WriteJob = {
      ticket,
      inputRecords,
      outputs: this.pendingOutputs,
      deadLetters: this.pendingDeadLetters,
      late: this.pendingLate,
      holds: this.holds(),
    };
    this.pendingOutputs = [];
    this.pendingDeadLetters = [];
    this.pendingLate = [];
    this.queue.push(job);
    this.inFlight += inputRecords;
    if (!this.paused && this.inFlight >= this.maxInFlight) this.setPaused(true);
    this.wakeWriter?.();
  }

  private async writeLoop(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.stopping || this.failure !== undefined) return;
        await new Promise<void>((resolve) => (this.wakeWriter = resolve));
        this.wakeWriter = undefined;
        continue;
      }
      const jobs = this.queue.splice(0, this.jobsForOneWrite());
      if (this.failure !== undefined) continue;
      try {
        await this.write(jobs);
      } catch (error) {
        if (error instanceof FencedError && this.stopped) this.dropFenced(jobs, error);
        else this.fail(error);
      }
    }
  }

  /**
   * How many queued jobs the next write carries. Under load several jobs wait, and one sink write (one
   * transaction, one fsync) carries them, but at most half the in-flight bound (always one job): the
   * records of a write in progress count as in flight, so a write of everything would keep the sources
   * paused until it ends, and reading and writing would take turns instead of overlapping
   * (bench/migrate-bench.ts: a 1M-row snapshot took 7.5–7.8 s taking turns, 4.7–6.4 s overlapping).
   */
  private jobsForOneWrite(): number {
    let take = 1;
    let records = this.queue[0]!.inputRecords;
    while (take < this.queue.length && records + this.queue[take]!.inputRecords <= this.maxInFlight / 2) records += this.queue[take++]!.inputRecords;
    return take;
  }

  /**
   * While draining, a write fenced by a newer owner of its partitions (a rebalance moved them) committed
   * nothing: its records are the new owner's to process from the durable positions, so the drain goes on
   * without them. Their positions are never acknowledged, so no commit passes them.
   */
  private dropFenced(jobs: readonly WriteJob[], error: FencedError): void {
    this.inFlight -= jobs.reduce((sum, job) => sum + job.inputRecords, 0);
    this.lifecycle('draining', `a write of ${jobs.reduce((sum, job) => sum + job.outputs.length, 0)} rows was dropped: ${error.message}`);
  }

  private async write(jobs: readonly WriteJob[]): Promise<void> {
    const { topology } = this.options;
    const last = jobs[jobs.length - 1]!;
    const job = jobs.length === 1 ? last : {
      ticket: last.ticket,
      inputRecords: jobs.reduce((sum, j) => sum + j.inputRecords, 0),
      outputs: jobs.flatMap((j) => j.outputs),
      deadLetters: jobs.flatMap((j) => j.deadLetters),
      late: jobs.flatMap((j) => j.late),
      holds: last.holds,
    };
    const tickets = jobs.flatMap((j) => (j.ticket === undefined ? [] : [j.ticket]));
    const positions = this.tracker.peekCommittable(job.holds, tickets);
    const sinkRejects: DeadLetter[] = [];
    if (job.outputs.length > 0) {
      for (const sink of this.options.sinks) {
        const started = this.clock.now();
        const rejectedBefore = sinkRejects.length;
        let written = true;
        const ctx = { topology: topology.name, positions, deadLetter: (letter: DeadLetter) => sinkRejects.push(letter) };
        try {
          await withRetry(() => sink.write(job.outputs, ctx), this.options.retryPolicy ?? defaultRetryPolicy, this.clock, (error, attempt) =>
            this.events.emit({ type: 'retry', topology: topology.name, component: sink.name, errorCode: error instanceof EngineError ? error.code : 'unknown', attempt }),
          );
          this.events.emit({ type: 'sink_write', topology: topology.name, sink: sink.name, records: job.outputs.length, seconds: (this.clock.now() - started) / 1000, ok: true });
        } catch (error) {
          this.events.emit({ type: 'sink_write', topology: topology.name, sink: sink.name, records: job.outputs.length, seconds: (this.clock.now() - started) / 1000, ok: false });
          // A fenced write is no rejected record: dead-lettering it would hide records the new owner processes.
          if ((this.options.onSinkFailure ?? 'stop') === 'stop' || error instanceof FencedError) throw error;
          written = false;
          for (const record of job.outputs) {
            sinkRejects.push({ position: record.position, reason: 'sink_rejected', detail: `${sink.name}: ${error instanceof Error ? error.message : String(error)}` });
          }
        }
        for (const record of job.outputs) this.countOut(sink.name, record.value.table);
        if (written) this.emitRecordsOut(sink.name, job.outputs, sinkRejects.slice(rejectedBefore));
      }
    }
    const letters = sinkRejects.length > 0 ? [...job.deadLetters, ...sinkRejects] : job.deadLetters;
    for (const letter of sinkRejects) this.countDeadLetter(letter);
    if (letters.length > 0) await this.options.deadLetters.write(letters);
    if (job.late.length > 0 && this.options.lateRecords !== undefined) await this.options.lateRecords.write(job.late);
    for (const ticket of tickets) this.tracker.ack(ticket);
    this.inFlight -= job.inputRecords;
    if (this.paused && this.inFlight <= this.maxInFlight / 2) this.setPaused(false);
    this.events.emit({ type: 'in_flight', topology: topology.name, records: this.inFlight, paused: this.paused });
    await this.commit(job.holds, false);
  }

  /**
   * Commits what the tracker allows. A source-committing sink commits in line: its commits are
   * transactions of the same producers its writes use, one at a time. Otherwise the sources commit in
   * the background, so a slow group-offset commit never holds up the next write: at most one commit is
   * in flight, positions that become committable meanwhile coalesce into the next one (per partition the
   * newest), and `final` waits until every commit has been sent. Losing a background commit costs only
   * re-reading records a position-storing sink already holds, or an idempotent sink rewrites.
   */
  private async commit(holds: ReadonlyMap<string, number>, final: boolean): Promise<void> {
    const positions = this.tracker.takeCommittable(holds);
    for (const position of positions) this.committed.set(partitionId(position), position);
    const committer = this.options.sinks.find(isSourceCommittingSink);
    if (committer !== undefined) {
      if (positions.length > 0) await this.sendCommit(positions, (mine) => committer.commitPositions(mine));
      return;
    }
    for (const position of positions) this.commitsWaiting.set(partitionId(position), position);
    if (this.commitsWaiting.size > 0) this.commitsInFlight ??= this.sourceCommitLoop();
    if (final) await this.sourceCommitsSettled();
  }

  private readonly commitsWaiting = new Map<string, SourcePosition>();
  private commitsInFlight: Promise<void> | undefined;

  private async sourceCommitLoop(): Promise<void> {
    try {
      while (this.commitsWaiting.size > 0 && this.failure === undefined) {
        const positions = [...this.commitsWaiting.values()];
        this.commitsWaiting.clear();
        await this.sendCommit(positions, undefined);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.commitsInFlight = undefined;
    }
  }

  /** Resolves once no background commit is in flight or waiting (a failed one has failed the pipeline). */
  private async sourceCommitsSettled(): Promise<void> {
    while (this.commitsInFlight !== undefined) await this.commitsInFlight;
  }

  /** Hands each source its own positions, through `committer` when one commits them instead. */
  private async sendCommit(positions: readonly SourcePosition[], committer: ((mine: readonly SourcePosition[]) => Promise<void>) | undefined): Promise<void> {
    for (const source of Object.values(this.options.streams)) {
      const mine = positions.filter((p) => this.sourceOwns(source, p));
      if (mine.length === 0) continue;
      const started = this.clock.now();
      if (committer !== undefined) await committer(mine);
      else await source.commit(mine);
      this.events.emit({ type: 'commit', topology: this.options.topology.name, source: source.name, partitions: mine.length, seconds: (this.clock.now() - started) / 1000 });
    }
  }

  private readonly owners = new Map<string, Source<Row>>();

  private sourceOwns(source: Source<Row>, position: SourcePosition): boolean {
    return this.owners.get(partitionId(position)) === source;
  }

  private countIn(input: string, runs: readonly PartitionRun[], records: number): void {
    const source = this.options.streams[input]!;
    for (const { position, count } of runs) {
      this.owners.set(partitionId(position), source);
      this.events.emit({ type: 'records_in', topology: this.options.topology.name, source: position.source, partition: position.partition, count });
    }
    this.recordsIn += records;
  }

  private countOut(sink: string, table: string): void {
    this.rowsOut[table] = (this.rowsOut[table] ?? 0) + 1;
    void sink;
  }

  /** `records_out` per table: what the sink made durable, less the records it rejected into the dead letters. */
  private emitRecordsOut(sink: string, outputs: readonly StreamRecord<TableRow>[], rejected: readonly DeadLetter[]): void {
    const perTable = new Map<string, number>();
    const tablesAt = new Map<string, string[]>();
    for (const record of outputs) {
      const table = record.value.table;
      perTable.set(table, (perTable.get(table) ?? 0) + 1);
      if (rejected.length === 0) continue;
      const at = `${partitionId(record.position)}\u0000${record.position.offset}`;
      tablesAt.set(at, [...(tablesAt.get(at) ?? []), table]);
    }
    for (const letter of rejected) {
      const table = tablesAt.get(`${partitionId(letter.position)}\u0000${letter.position.offset}`)?.shift();
      if (table !== undefined) perTable.set(table, (perTable.get(table) ?? 0) - 1);
    }
    for (const [table, count] of perTable) {
      if (count > 0) this.events.emit({ type: 'records_out', topology: this.options.topology.name, sink, table, count });
    }
  }

  private countDeadLetter(letter: DeadLetter): void {
    this.deadLettered++;
    this.events.emit({ type: 'dead_letter', topology: this.options.topology.name, source: letter.position.source, reason: letter.reason, count: 1 });
  }

  private holds(): ReadonlyMap<string, number> {
    const merged = new Map<string, number>();
    for (const lowestHeld of this.holdFns.values()) {
      for (const [id, offset] of lowestHeld()) {
        const current = merged.get(id);
        if (current === undefined || offset < current) merged.set(id, offset);
      }
    }
    return merged;
  }

  private topologyContext(): TopologyContext {
    const holds: StateHolds = {
      register: (operator, lowestHeld) => {
        this.holdFns.set(operator, lowestHeld);
      },
    };
    return {
      topology: this.options.topology.name,
      clock: this.clock,
      events: this.events,
      options: this.options.options ?? {},
      holds,
      deadLetter: (letter) => {
        this.countDeadLetter(letter);
        this.pendingDeadLetters.push(letter);
      },
      late: (record, operator) => {
        this.late++;
        this.events.emit({ type: 'late', topology: this.options.topology.name, operator, count: 1 });
        if (this.options.lateRecords !== undefined) {
          this.pendingLate.push({ position: record.position, reason: 'late', detail: `${operator}: event time ${new Date(record.eventTime).toISOString()} is past the allowed lateness`, raw: JSON.stringify(record.value) });
        }
      },
    };
  }

  /**
   * `streamInput`: a record a stream source reads but cannot decode still came in, so it counts as a
   * record in (records in = out + dead-lettered + late + filtered holds for bad input too).
   */
  private sourceContext(resumeFrom: readonly SourcePosition[], streamInput: boolean, sourceName?: string): SourceContext {
    const storing = this.options.sinks.some(isTransactionalSink);
    const storedPositions = (partitions?: readonly string[]): Promise<SourcePosition[]> =>
      this.storedPositions(partitions === undefined || sourceName === undefined ? undefined : { source: sourceName, partitions });
    return {
      topology: this.options.topology.name,
      clock: this.clock,
      events: this.events,
      resumeFrom,
      ...(streamInput && storing ? { storedPositions } : {}),
      deadLetter: (letter) => {
        if (streamInput) {
          this.recordsIn++;
          this.events.emit({ type: 'records_in', topology: this.options.topology.name, source: letter.position.source, partition: letter.position.partition, count: 1 });
        }
        this.countDeadLetter(letter);
        this.pendingDeadLetters.push(letter);
      },
    };
  }

  private async loadTable(source: Source<Row>, resumeFrom: readonly SourcePosition[]): Promise<StreamRecord<Row>[]> {
    if (source.boundedness !== 'bounded') throw new EngineError('config_invalid', `table input ${source.name} must be bounded`);
    const rows: StreamRecord<Row>[] = [];
    void resumeFrom; // tables are always read whole: they are state, not progress
    await new Promise<void>((resolve, reject) => {
      source.open(this.sourceContext([], false)).subscribe({
        next: (batch) => {
          for (const record of batch.records) rows.push(record);
        },
        error: reject,
        complete: resolve,
      });
    });
    await source.close();
    return rows;
  }

  /** With `claim`: only that source's positions, and the sinks claim its newly assigned partitions first. */
  private async storedPositions(claim?: { source: string; partitions: readonly string[] }): Promise<SourcePosition[]> {
    const stored: SourcePosition[] = [];
    for (const sink of this.options.sinks) {
      if (!isTransactionalSink(sink)) continue;
      if (claim !== undefined) {
        // An assignment while the sink's server is briefly away (a restart) must not fail the pipeline; a claim
        // retried after a lost answer only bumps its generation again.
        const policy = this.options.retryPolicy ?? defaultRetryPolicy;
        const onRetry = (error: unknown, attempt: number): void =>
          this.events.emit({ type: 'retry', topology: this.options.topology.name, component: sink.name, errorCode: error instanceof EngineError ? error.code : 'unknown', attempt });
        stored.push(...(await withRetry(() => sink.storedPositions(claim.source, claim.partitions), policy, this.clock, onRetry)));
        continue;
      }
      for (const source of Object.values(this.options.streams)) stored.push(...(await sink.storedPositions(source.name)));
    }
    return stored;
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    for (const source of Object.values(this.options.streams)) {
      if (paused) source.pause();
      else source.resume();
    }
    this.events.emit({ type: 'in_flight', topology: this.options.topology.name, records: this.inFlight, paused });
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    this.stopping = true;
    for (const listener of this.stopListeners) listener();
    this.wakeWriter?.();
  }

  private async closeAll(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const source of Object.values(this.options.streams)) await source.close();
    for (const sink of this.options.sinks) await sink.close();
    await this.options.deadLetters.close();
    await this.options.lateRecords?.close();
  }

  private lifecycle(state: 'starting' | 'ready' | 'draining' | 'stopped' | 'failed', reason?: string): void {
    this.events.emit({ type: 'lifecycle', topology: this.options.topology.name, state, ...(reason === undefined ? {} : { reason }) });
  }
}
