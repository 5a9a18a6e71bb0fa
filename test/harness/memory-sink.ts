import type { Sink, SinkOpenContext, SourcePosition, StreamRecord, TableRow, WriteContext } from '../../engine/index.js';

/**
 * An in-memory sink for runtime tests: keeps every write (with the positions the runner said it makes
 * durable), can be told to fail, and can hold a write open until released.
 */
export class MemorySink implements Sink {
  readonly writes: { records: readonly StreamRecord<TableRow>[]; positions: readonly SourcePosition[] }[] = [];
  flushed: boolean[] = [];
  opened: SinkOpenContext | undefined;
  closed = false;
  /** Errors thrown by the next writes, in order. */
  failures: unknown[] = [];
  /** When set, each write waits for this promise before it resolves. */
  gate: Promise<void> | undefined;

  constructor(readonly name = 'memory') {}

  get rows(): TableRow[] {
    return this.writes.flatMap((w) => w.records.map((r) => r.value));
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    this.opened = ctx;
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    if (this.gate !== undefined) await this.gate;
    this.writes.push({ records: [...batch], positions: ctx.positions });
  }

  async flush(endOfInput: boolean): Promise<void> {
    this.flushed.push(endOfInput);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
