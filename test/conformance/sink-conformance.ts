import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EngineEvents,
  isTransactionalSink,
  MemoryDeadLetterSink,
  PipelineRunner,
  systemClock,
  type Cell,
  type DeadLetter,
  type EngineEvent,
  type RetryPolicy,
  type Sink,
  type SinkOpenContext,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type WriteContext,
} from '../../engine/index.js';
import { conformanceRecords, conformanceRow, conformanceTable, inputBatches, passthroughTopology, ResumableSource } from './conformance-topology.js';

/** What a sink's contract run provides: how to make the sink, read what it stored, and disturb its server. */
export interface SinkConformanceTarget {
  /** A new sink instance for `pipeline` (a restart is a new instance); not yet opened. */
  createSink(pipeline: string): Sink;
  /**
   * The table's current contents, declared columns only, as cells: integers and numerics as numbers,
   * timestamptz as epoch ms, dates as `YYYY-MM-DD`, null for missing. Any order.
   */
  readTable(spec: TableSpec): Promise<Record<string, Cell>[]>;
  /**
   * Runs `write` (which never rejects) and makes the sink's server go away while the write is in
   * progress (a stopped server, a killed connection), then lets it come back. Resolves, once `write` has
   * settled, to whether the disruption really hit the write in progress.
   */
  interruptDuring(write: () => Promise<void>): Promise<boolean>;
  /** A row the server rejects permanently (default: text in the numeric column `amount`). */
  rejectedRow?(row: Record<string, Cell>): Record<string, Cell>;
  /**
   * Opt-in: the sink applies change-data-capture deletes (`op: 'delete'` with only the key columns, as
   * the PostgreSQL source sends them) and key changes, in order; runs the case that checks it.
   */
  readonly deletesByKey?: boolean;
  /** Retries of the runtime in these tests: enough to outlast `interruptDuring`. */
  readonly retryPolicy?: RetryPolicy;
  close(): Promise<void>;
}

const defaultRetry: RetryPolicy = { maxAttempts: 8, initialDelayMs: 50, maxDelayMs: 1_000, multiplier: 2, jitter: 0.5 };

let tableCounter = 0;

/**
 * The sink contract every sink passes against its real server (DESIGN.md: connectors are tested through
 * the conformance suite): open/write/flush/close, an idempotent rewrite, ordered updates to one key
 * (deletes included), a batch with a rejected record, the server going away mid-write, and a restart
 * resuming from stored positions (transactional sinks) or rewriting idempotently (the others).
 */
export function describeSinkConformance(name: string, setup: () => Promise<SinkConformanceTarget>): void {
  describe(`sink conformance: ${name}`, () => {
    let target: SinkConformanceTarget;
    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target?.close();
    });

    const freshTable = (label: string): TableSpec => conformanceTable(`conf_${label}_${process.pid}_${++tableCounter}`);
    const read = async (spec: TableSpec): Promise<Record<string, Cell>[]> => sortByKey(await target.readTable(spec));
    const openSink = async (spec: TableSpec, pipeline: string): Promise<Sink> => {
      const sink = target.createSink(pipeline);
      await sink.open(openContext(spec));
      return sink;
    };

    it('opens, writes, flushes and closes; a new instance opens the existing table and adds to it', async () => {
      const spec = freshTable('basic');
      const rows = Array.from({ length: 50 }, (_, i) => conformanceRow(`k${i % 7}`, i));
      const first = await openSink(spec, `${spec.name}_p`);
      const letters = await writeBatch(first, conformanceRecords(spec.name, rows, 1));
      await first.flush(true);
      await first.close();
      expect(letters).toEqual([]);
      expect(await read(spec)).toEqual(sortByKey(rows));

      const more = Array.from({ length: 10 }, (_, i) => conformanceRow('later', i));
      const second = await openSink(spec, `${spec.name}_p`);
      await writeBatch(second, conformanceRecords(spec.name, more, 51));
      await second.flush(true);
      await second.close();
      expect(await read(spec)).toEqual(sortByKey([...rows, ...more]));
    });

    it('leaves the same state when the same batch is written twice', async () => {
      const spec = freshTable('idempotent');
      const rows = Array.from({ length: 40 }, (_, i) => conformanceRow(`k${i}`, i % 3));
      const records = conformanceRecords(spec.name, rows, 1);
      const sink = await openSink(spec, `${spec.name}_p`);
      await writeBatch(sink, records);
      const once = await read(spec);
      await writeBatch(sink, records);
      await sink.flush(true);
      await sink.close();
      expect(once).toEqual(sortByKey(rows));
      expect(await read(spec)).toEqual(once);
    });

    it('applies updates and deletes of one key in order, within a batch and across batches', async () => {
      const spec = freshTable('ordering');
      const sink = await openSink(spec, `${spec.name}_p`);
      const a = (version: number): Record<string, Cell> => conformanceRow('a', 1, version);
      const b = (version: number): Record<string, Cell> => conformanceRow('b', 1, version);
      const c = (version: number): Record<string, Cell> => conformanceRow('c', 1, version);
      // a: three updates (the last wins); b: written then deleted; c: deleted (absent) then written.
      const first = [a(1), b(1), a(2), c(9), b(2), a(3), c(1)];
      const deletes = new Set([4, 3]);
      await writeBatch(sink, conformanceRecords(spec.name, first, 1, { op: (i) => (deletes.has(i) ? 'delete' : undefined) }));
      expect(await read(spec)).toEqual(sortByKey([a(3), c(1)]));

      // Across batches: a is updated again, c deleted, b written again.
      const second = [a(4), c(0), b(5)];
      await writeBatch(sink, conformanceRecords(spec.name, second, 8, { op: (i) => (i === 1 ? 'delete' : undefined) }));
      await sink.flush(true);
      await sink.close();
      expect(await read(spec)).toEqual(sortByKey([a(4), b(5)]));
    });

    it('applies deletes that carry only the key, and key changes, in order within and across batches (opt-in: deletesByKey)', async (test) => {
      if (target.deletesByKey !== true) {
        test.skip();
        return;
      }
      const spec = freshTable('cdc');
      const sink = await openSink(spec, `${spec.name}_p`);
      const keyOnly = (row: Record<string, Cell>): Record<string, Cell> => ({ id: row.id!, seq: row.seq! });
      const a = (version: number): Record<string, Cell> => conformanceRow('a', 1, version);
      const b = (version: number): Record<string, Cell> => conformanceRow('b', 2, version);
      const moved = (version: number): Record<string, Cell> => ({ ...b(version), id: 'b-moved' });
      // a: written, deleted by key, written again; b: its key changes (delete by old key, row under the new key);
      // a key never written is deleted (no error).
      const first = [a(1), b(1), keyOnly(a(1)), a(2), keyOnly(b(1)), moved(1), keyOnly(conformanceRow('never', 9))];
      const firstDeletes = new Set([2, 4, 6]);
      await writeBatch(sink, conformanceRecords(spec.name, first, 1, { op: (i) => (firstDeletes.has(i) ? 'delete' : undefined) }));
      expect(await read(spec)).toEqual(sortByKey([a(2), moved(1)]));

      // Across batches: the key changes back, a is deleted for good.
      const second = [keyOnly(moved(1)), b(3), keyOnly(a(2))];
      await writeBatch(sink, conformanceRecords(spec.name, second, 8, { op: (i) => (i === 1 ? undefined : 'delete') }));
      await sink.flush(true);
      await sink.close();
      expect(await read(spec)).toEqual(sortByKey([b(3)]));
    });

    it('dead-letters a record the server rejects and writes the rest of its batch', async () => {
      const spec = freshTable('rejected');
      const rows = Array.from({ length: 20 }, (_, i) => conformanceRow(`k${i}`, i, 1));
      const bad = (target.rejectedRow ?? defaultRejectedRow)(conformanceRow('bad', 7, 1));
      const batch = [...rows.slice(0, 7), bad, ...rows.slice(7)];
      const records = conformanceRecords(spec.name, batch, 101);
      const sink = await openSink(spec, `${spec.name}_p`);
      const positions: SourcePosition[] = [records[records.length - 1]!.position];
      const letters = await writeBatch(sink, records, positions);
      await sink.flush(true);
      expect(letters).toHaveLength(1);
      expect(letters[0]!.position).toEqual(records[7]!.position);
      expect(letters[0]!.reason).toBe('sink_rejected');
      expect(letters[0]!.detail).not.toBe('');
      expect(await read(spec)).toEqual(sortByKey(rows));
      if (isTransactionalSink(sink)) expect(await sink.storedPositions('conformance.csv')).toEqual(positions);
      await sink.close();
    });

    it('carries a write through the server going away mid-write and coming back (runtime retry)', async () => {
      const spec = freshTable('outage');
      const rows = Array.from({ length: 600 }, (_, i) => conformanceRow(`k${i % 50}`, i));
      const records = conformanceRecords(spec.name, rows, 1);
      const source = new ResumableSource('conformance.csv', inputBatches(records, 50));
      let calls = 0;
      let interrupted = false;
      const sink = target.createSink(`${spec.name}_p`);
      const disturbed: Sink = wrapWrite(sink, async (write) => {
        calls++;
        if (calls !== 2) return write();
        let failure: unknown;
        interrupted = await target.interruptDuring(() => write().catch((error: unknown) => void (failure = error)));
        // The runtime sees the failed attempt and retries it.
        if (failure !== undefined) throw failure;
      });
      const run = await runPipeline(spec, source, disturbed, target.retryPolicy ?? defaultRetry);
      expect(calls).toBeGreaterThan(2);
      expect(interrupted).toBe(true);
      expect(run.retries.length).toBeGreaterThan(0);
      expect(run.deadLetters).toEqual([]);
      expect(await read(spec)).toEqual(sortByKey(rows));
      expect(run.summary.committed).toEqual([{ source: 'conformance.csv', partition: 'conformance.csv', offset: 600 }]);
    });

    it('resumes after a restart from the positions it stored (or rewrites idempotently without them)', async () => {
      const spec = freshTable('restart');
      const pipeline = `${spec.name}_p`;
      const rows = Array.from({ length: 500 }, (_, i) => conformanceRow(`k${i % 60}`, i % 9, i));
      // The last version of each key wins, whether or not the first run's rows are written again.
      const expected = new Map<string, Record<string, Cell>>();
      for (const row of rows) expected.set(JSON.stringify([row.id, row.seq]), row);
      const records = conformanceRecords(spec.name, rows, 1);
      const batches = inputBatches(records, 50);

      const firstSink = target.createSink(pipeline);
      await runPipeline(spec, new ResumableSource('conformance.csv', batches.slice(0, 4)), firstSink);
      expect(await read(spec)).toEqual(sortByKey(lastPerKey(rows.slice(0, 200))));

      const written: StreamRecord<TableRow>[] = [];
      const secondSink = target.createSink(pipeline);
      const counting = wrapWrite(secondSink, async (write, batch) => {
        await write();
        written.push(...batch);
      });
      const source = new ResumableSource('conformance.csv', batches);
      await runPipeline(spec, source, counting);
      expect(await read(spec)).toEqual(sortByKey([...expected.values()]));
      if (isTransactionalSink(secondSink)) {
        expect(source.resumedFrom).toEqual([{ source: 'conformance.csv', partition: 'conformance.csv', offset: 200 }]);
        expect(written.map((r) => r.position.offset)).toEqual(records.slice(200).map((r) => r.position.offset));
      } else {
        expect(written).toHaveLength(records.length);
      }
    });
  });
}

function defaultRejectedRow(row: Record<string, Cell>): Record<string, Cell> {
  return { ...row, amount: 'not a number' };
}

function openContext(spec: TableSpec): SinkOpenContext {
  return { topology: 'conformance', tables: [spec], clock: systemClock, events: new EngineEvents() };
}

async function writeBatch(sink: Sink, records: readonly StreamRecord<TableRow>[], positions: readonly SourcePosition[] = []): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const ctx: WriteContext = { topology: 'conformance', positions, deadLetter: (letter) => letters.push(letter) };
  await sink.write(records, ctx);
  return letters;
}

/** A sink whose writes go through `around` (to count, disturb or observe them); everything else delegates. */
function wrapWrite(sink: Sink, around: (write: () => Promise<void>, batch: readonly StreamRecord<TableRow>[]) => Promise<void>): Sink {
  const wrapped: Sink & { storedPositions?: (source: string) => Promise<readonly SourcePosition[]> } = {
    name: sink.name,
    open: (ctx) => sink.open(ctx),
    write: (batch, ctx) => around(() => sink.write(batch, ctx), batch),
    flush: (endOfInput) => sink.flush(endOfInput),
    close: () => sink.close(),
  };
  if (isTransactionalSink(sink)) wrapped.storedPositions = (source) => sink.storedPositions(source);
  return wrapped;
}

async function runPipeline(spec: TableSpec, source: ResumableSource, sink: Sink, retryPolicy: RetryPolicy = defaultRetry) {
  const events = new EngineEvents();
  const seen: EngineEvent[] = [];
  events.on((event) => seen.push(event));
  const deadLetters = new MemoryDeadLetterSink();
  const runner = new PipelineRunner({
    topology: passthroughTopology(spec),
    streams: { rows: source },
    sinks: [sink],
    deadLetters,
    events,
    clock: systemClock,
    retryPolicy,
  });
  const summary = await runner.run();
  return { summary, deadLetters: deadLetters.letters, retries: seen.filter((e) => e.type === 'retry') };
}

function lastPerKey(rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const last = new Map<string, Record<string, Cell>>();
  for (const row of rows) last.set(JSON.stringify([row.id, row.seq]), row);
  return [...last.values()];
}

function sortByKey(rows: readonly Record<string, Cell>[]): Record<string, Cell>[] {
  const key = (row: Record<string, Cell>): string => JSON.stringify([row.id, row.seq]);
  return [...rows].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}
