import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../test/harness/memory-sink.js';
import { MemorySource } from '../../test/harness/memory-source.js';
import { offsetRowsTopology } from '../../test/harness/offset-rows-topology.js';
import { FencedError } from '../errors.js';
import { EngineEvents, type EngineEvent } from '../events.js';
import type { StreamBatch, StreamRecord } from '../record.js';
import { MemoryDeadLetterSink } from './dead-letter-sink.js';
import { PipelineRunner } from './pipeline-runner.js';


function batches(count: number): StreamBatch<Record<string, never>>[] {
  return Array.from({ length: count }, (_, b) => ({
    records: Array.from({ length: 10 }, (_, i): StreamRecord<Record<string, never>> => ({ value: {}, eventTime: 0, position: { source: 'src', partition: 'p0', offset: b * 10 + i + 1 } })),
  }));
}

/** A sink whose first write is held open until `release`, then fails as fenced (a newer owner claimed the partition). */
class FencedOnceSink extends MemorySink {
  release!: () => void;
  readonly writing: Promise<void>;
  private started!: () => void;
  private first = true;

  constructor() {
    super();
    this.writing = new Promise((resolve) => (this.started = resolve));
  }

  override async write(...args: Parameters<MemorySink['write']>): Promise<void> {
    if (!this.first) return super.write(...args);
    this.first = false;
    this.started();
    await new Promise<void>((resolve) => (this.release = resolve));
    throw new FencedError('partition p0 has a newer writer', { code: 'test_fenced' });
  }
}

function run(sink: MemorySink, source: MemorySource, onSinkFailure: 'stop' | 'dead-letter' = 'stop'): { pipeline: PipelineRunner; seen: EngineEvent[] } {
  const events = new EngineEvents();
  const seen: EngineEvent[] = [];
  events.on((e) => seen.push(e));
  return { pipeline: new PipelineRunner({ topology: offsetRowsTopology, streams: { in: source }, sinks: [sink], deadLetters: new MemoryDeadLetterSink(), events, onSinkFailure }), seen };
}

describe('PipelineRunner: fenced writes', () => {
  it('drops a write fenced while draining (the records are the new owner\'s) and commits nothing past it', async () => {
    const source = new MemorySource('src', batches(1000), 'unbounded');
    const sink = new FencedOnceSink();
    const { pipeline, seen } = run(sink, source);
    const done = pipeline.run();
    await sink.writing;
    pipeline.stop();
    sink.release();
    const summary = await done;
    expect(summary.stoppedEarly).toBe(true);
    expect(sink.writes.flatMap((w) => w.records.map((r) => r.position.offset))).not.toContain(1);
    // The fenced write held offset 1 onwards: no commit may pass it.
    expect(source.committed.flat()).toEqual([]);
    expect(seen.some((e) => e.type === 'lifecycle' && e.state === 'draining' && (e.reason ?? '').includes('newer writer'))).toBe(true);
  });

  it('fails the run when a write is fenced while it was not draining, even with dead-lettering configured', async () => {
    const source = new MemorySource('src', batches(3), 'unbounded');
    const sink = new FencedOnceSink();
    const { pipeline } = run(sink, source, 'dead-letter');
    const done = pipeline.run();
    await sink.writing;
    sink.release();
    await expect(done).rejects.toBeInstanceOf(FencedError);
    expect(source.committed.flat()).toEqual([]);
  });
});
