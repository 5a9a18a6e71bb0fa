import { map, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../test/harness/memory-sink.js';
import { MemorySource } from '../../test/harness/memory-source.js';
import { PermanentError, TransientError } from '../errors.js';
import { EngineEvents, type EngineEvent } from '../events.js';
import type { Row } from '../input.js';
import { partitionId, type StreamBatch, type StreamRecord } from '../record.js';
import type { RetryPolicy } from '../retry.js';
import type { TableRow } from '../table.js';
import type { Topology, TopologyContext } from '../topology.js';
import { MemoryDeadLetterSink } from './dead-letter-sink.js';
import { PipelineRunner } from './pipeline-runner.js';

const fastRetry: RetryPolicy = { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2, multiplier: 2, jitter: 0 };

function record(offset: number, value: Row, partition = 'p0'): StreamRecord<Row> {
  return { value, eventTime: offset, position: { source: 'src', partition, offset } };
}

function batches(count: number, size: number, valueOf: (offset: number) => Row = (o) => ({ id: o })): StreamBatch<Row>[] {
  const out: StreamBatch<Row>[] = [];
  for (let b = 0; b < count; b++) out.push({ records: Array.from({ length: size }, (_, i) => record(b * size + i + 1, valueOf(b * size + i + 1))) });
  return out;
}

/**
 * A test topology: passes records through as rows of table `t`, except that records with `hold: true`
 * are kept in state (registered as a state hold) until a record with `release: true` arrives, and
 * records with `bad: true` are dead-lettered.
 */
function holdingTopology(): Topology {
  return {
    name: 'holding',
    description: 'test',
    inputs: [{ name: 'in', kind: 'stream', description: 'test', defaultFile: 'x', readOptions: () => ({}) }],
    outputs: [{ name: 't', columns: [{ name: 'id', type: 'integer' }], key: ['id'] }],
    options: [],
    graph: [],
    build(inputs, ctx: TopologyContext): Observable<StreamBatch<TableRow>> {
      const held: StreamRecord<Row>[] = [];
      ctx.holds.register('hold', () => {
        const lowest = new Map<string, number>();
        for (const r of held) {
          const id = partitionId(r.position);
          lowest.set(id, Math.min(lowest.get(id) ?? Infinity, r.position.offset));
        }
        return lowest;
      });
      const toRow = (r: StreamRecord<Row>): StreamRecord<TableRow> => ({ ...r, value: { table: 't', row: { id: r.value.id ?? null } } });
      return inputs.streams.in!.pipe(
        map((batch) => {
          const out: StreamRecord<TableRow>[] = [];
          for (const r of batch.records) {
            if (r.value.bad === true) ctx.deadLetter({ position: r.position, reason: 'parse_error', detail: 'bad record', field: 'bad' });
            else if (r.value.hold === true) held.push(r);
            else {
              out.push(toRow(r));
              if (r.value.release === true) out.push(...held.splice(0).map(toRow));
            }
          }
          return { records: out };
        }),
      );
    },
  };
}

function runner(source: MemorySource, sink: MemorySink, extra: Partial<ConstructorParameters<typeof PipelineRunner>[0]> = {}) {
  const deadLetters = new MemoryDeadLetterSink();
  const events = new EngineEvents();
  const seen: EngineEvent[] = [];
  events.on((e) => seen.push(e));
  const pipeline = new PipelineRunner({ topology: holdingTopology(), streams: { in: source }, sinks: [sink], deadLetters, events, retryPolicy: fastRetry, ...extra });
  return { pipeline, deadLetters, seen };
}

describe('PipelineRunner', () => {
  it('writes every record, flushes at end of input and commits the last offset', async () => {
    const source = new MemorySource('src', batches(5, 10));
    const sink = new MemorySink();
    const { pipeline } = runner(source, sink);
    const summary = await pipeline.run();
    expect(sink.rows.map((r) => r.row.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(summary.recordsIn).toBe(50);
    expect(summary.rowsOut).toEqual({ t: 50 });
    expect(sink.flushed).toEqual([true]);
    expect(sink.closed).toBe(true);
    expect(source.committed.flat().at(-1)?.offset).toBe(50);
  });

  it('counts records in per partition for a batch interleaving partitions', async () => {
    const partitions = ['p0', 'p1', 'p1', 'p0', 'p2', 'p0', 'p1'];
    const source = new MemorySource('src', [{ records: partitions.map((p, i) => record(i + 1, { id: i + 1 }, p)) }]);
    const { pipeline, seen } = runner(source, new MemorySink());
    const summary = await pipeline.run();
    expect(summary.recordsIn).toBe(7);
    const counted = new Map<string, number>();
    for (const e of seen) if (e.type === 'records_in') counted.set(e.partition, (counted.get(e.partition) ?? 0) + e.count);
    expect(Object.fromEntries(counted)).toEqual({ p0: 3, p1: 3, p2: 1 });
    // Every partition is owned by the source, so each gets its commit.
    expect(new Set(source.committed.flat().map((p) => p.partition))).toEqual(new Set(['p0', 'p1', 'p2']));
  });

  it('never commits past a record held in operator state', async () => {
    // Offset 3 is held until offset 40 releases it.
    const source = new MemorySource('src', batches(5, 10, (o): Row => (o === 3 ? { id: o, hold: true } : o === 40 ? { id: o, release: true } : { id: o })));
    const sink = new MemorySink();
    const { pipeline } = runner(source, sink);
    await pipeline.run();
    const commits = source.committed.flat().map((p) => p.offset);
    const beforeRelease = commits.filter((o) => o < 40);
    expect(beforeRelease.every((o) => o <= 2)).toBe(true);
    expect(commits.at(-1)).toBe(50);
    expect(sink.rows.map((r) => r.row.id)).toContain(3);
  });

  it('tells a transactional sink the positions its write makes durable', async () => {
    const source = new MemorySource('src', batches(3, 4));
    const sink = new MemorySink();
    const { pipeline } = runner(source, sink);
    await pipeline.run();
    for (const write of sink.writes) {
      const maxWritten = Math.max(...write.records.map((r) => r.position.offset));
      expect(write.positions.map((p) => p.offset)).toEqual([maxWritten]);
    }
  });

  it('pauses the source at the in-flight bound, resumes after the sink catches up, and writes at most half the bound at once', async () => {
    const source = new MemorySource('src', batches(20, 10));
    const sink = new MemorySink();
    let release!: () => void;
    sink.gate = new Promise((resolve) => (release = resolve));
    const { pipeline } = runner(source, sink, { maxInFlightRecords: 30 });
    const done = pipeline.run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source.pauses[0]).toBe(true);
    sink.gate = undefined;
    release();
    await done;
    expect(source.pauses).toContain(false);
    // Records of a write in progress count as in flight: a write of everything queued would keep the
    // source paused until it ends.
    expect(sink.writes.map((w) => w.records.length).filter((n) => n > 15)).toEqual([]);
    expect(sink.rows.map((r) => r.row.id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('retries transient sink errors with backoff and writes each row once', async () => {
    const source = new MemorySource('src', batches(2, 5));
    const sink = new MemorySink();
    sink.failures = [new TransientError('connection reset'), new TransientError('connection reset')];
    const { pipeline, seen } = runner(source, sink);
    await pipeline.run();
    expect(sink.rows).toHaveLength(10);
    expect(new Set(sink.rows.map((r) => r.row.id)).size).toBe(10);
    expect(seen.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('stops on a permanent sink error without committing what was not written', async () => {
    const source = new MemorySource('src', batches(3, 5));
    const sink = new MemorySink();
    sink.failures = [new PermanentError('permission denied')];
    const { pipeline } = runner(source, sink);
    await expect(pipeline.run()).rejects.toThrow(/permission denied/);
    expect(source.committed.flat()).toEqual([]);
  });

  it('dead-letters a permanently rejected batch when configured, and goes on', async () => {
    const source = new MemorySource('src', batches(3, 5));
    const sink = new MemorySink();
    sink.failures = [new PermanentError('value out of range')];
    const { pipeline, deadLetters } = runner(source, sink, { onSinkFailure: 'dead-letter' });
    const summary = await pipeline.run();
    expect(deadLetters.letters.length).toBeGreaterThan(0);
    expect(deadLetters.letters.every((l) => l.reason === 'sink_rejected' && l.detail.includes('value out of range'))).toBe(true);
    expect(sink.rows.length + deadLetters.letters.length).toBe(15);
    expect(summary.deadLettered).toBe(deadLetters.letters.length);
  });

  it('writes dead letters with their position and counts them', async () => {
    const source = new MemorySource('src', batches(2, 5, (o): Row => (o === 7 ? { id: o, bad: true } : { id: o })));
    const sink = new MemorySink();
    const { pipeline, deadLetters, seen } = runner(source, sink);
    const summary = await pipeline.run();
    expect(deadLetters.letters).toEqual([{ position: { source: 'src', partition: 'p0', offset: 7 }, reason: 'parse_error', detail: 'bad record', field: 'bad' }]);
    expect(summary.deadLettered).toBe(1);
    expect(seen.some((e) => e.type === 'dead_letter' && e.reason === 'parse_error')).toBe(true);
    // Nothing lost, nothing silent: records in = rows out + dead-lettered.
    expect(summary.recordsIn).toBe((summary.rowsOut.t ?? 0) + summary.deadLettered);
    expect(source.committed.flat().at(-1)?.offset).toBe(10);
  });

  it('stops gracefully: drains, flushes without end of input, commits what was written', async () => {
    const source = new MemorySource('src', batches(1000, 10), 'unbounded');
    const sink = new MemorySink();
    const { pipeline } = runner(source, sink);
    const done = pipeline.run();
    await new Promise((resolve) => setTimeout(resolve, 30));
    pipeline.stop();
    const summary = await done;
    expect(summary.stoppedEarly).toBe(true);
    expect(sink.flushed).toEqual([false]);
    const lastCommitted = source.committed.flat().at(-1)?.offset ?? 0;
    expect(lastCommitted).toBe(sink.rows.length);
    expect(summary.recordsIn).toBe(sink.rows.length);
  });

  it('resumes a source from the positions a transactional sink stored', async () => {
    const source = new MemorySource('src', batches(1, 3));
    const stored = [{ source: 'src', partition: 'p0', offset: 2 }];
    const sink = Object.assign(new MemorySink(), { storedPositions: async (name: string) => stored.filter((p) => p.source === name) });
    const { pipeline } = runner(source, sink);
    await pipeline.run();
    expect(source.resumeFrom).toEqual(stored);
  });
});
