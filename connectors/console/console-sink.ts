import type { Writable } from 'node:stream';
import type { Sink, StreamRecord, TableRow } from '../../engine/index.js';

/** Prints every output row as one JSON line (`{"table": …, "row": …}`) to a stream, for a quick look. */
export class ConsoleSink implements Sink {
  readonly name = 'console';
  constructor(private readonly out: Writable) {}

  async open(): Promise<void> {}

  async write(batch: readonly StreamRecord<TableRow>[]): Promise<void> {
    const text = batch.map((record) => JSON.stringify(record.op === 'delete' ? { ...record.value, op: 'delete' } : record.value)).join('\n');
    if (text.length > 0 && !this.out.write(`${text}\n`)) await new Promise((resolve) => this.out.once('drain', resolve));
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
