import { describe, expect, it, vi } from 'vitest';
import { MemorySink } from '../../test/harness/memory-sink.js';
import { MemorySource } from '../../test/harness/memory-source.js';
import { offsetRowsTopology } from '../../test/harness/offset-rows-topology.js';
import type { Row } from '../input.js';
import type { SourcePosition, StreamBatch, StreamRecord } from '../record.js';
import { MemoryDeadLetterSink } from './dead-letter-sink.js';
import { PipelineRunner } from './pipeline-runner.js';

/** A source whose commits stay open until the test settles them one by one. */
class GatedCommitSource extends MemorySource {
  readonly calls: { positions: readonly SourcePosition[]; settle: (error?: Error) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  override commit(positions: readonly SourcePosition[]): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve, reject) => {
      this.calls.push({
        positions: [...positions],
        settle: (error) => {
          this.inFlight--;
          if (error === undefined) resolve();
          else reject(error);
        },
      });
    });
  }
}


function batches(count: number, size: number): StreamBatch<Row>[] {
  return Array.from({ length: count }, (_, b) => ({
    records: Array.from({ length: size }, (_, i): StreamRecord<Row> => ({ value: {}, eventTime: 0, position: { source: 'src', partition: 'p0', offset: b * size + i + 1 } })),
  }));
}

describe('PipelineRunner source commits', () => {
  it('keeps writing while a commit is in flight, sends one at a time with the newest positions, and awaits the last', async () => {
    const source = new GatedCommitSource('src', batches(5, 10));
    const sink = new MemorySink();
    let finished = false;
    const run = new PipelineRunner({ topology: offsetRowsTopology, streams: { in: source }, sinks: [sink], deadLetters: new MemoryDeadLetterSink() })
      .run()
      .finally(() => (finished = true));

    // The first commit stays open: every later batch is written meanwhile, and no second commit starts.
    await vi.waitFor(() => expect(sink.rows).toHaveLength(50));
    expect(source.calls).toHaveLength(1);
    expect(source.calls[0]!.positions.map((p) => p.offset)).toEqual([10]);

    // Settling it sends what became committable meanwhile, coalesced: the newest offset only.
    source.calls[0]!.settle();
    await vi.waitFor(() => expect(source.calls).toHaveLength(2));
    expect(source.calls[1]!.positions.map((p) => p.offset)).toEqual([50]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);

    source.calls[1]!.settle();
    const summary = await run;
    expect(summary.committed.map((p) => p.offset)).toEqual([50]);
    expect(source.maxInFlight).toBe(1);
  });

  it('fails the run when a background commit fails', async () => {
    const source = new GatedCommitSource('src', batches(3, 10));
    const run = new PipelineRunner({ topology: offsetRowsTopology, streams: { in: source }, sinks: [new MemorySink()], deadLetters: new MemoryDeadLetterSink() }).run();
    const failed = expect(run).rejects.toThrow('broker went away');
    await vi.waitFor(() => expect(source.calls).toHaveLength(1));
    source.calls[0]!.settle(new Error('broker went away'));
    await failed;
    expect(source.inFlight).toBe(0);
  });
});
