import type { DeadLetter } from './dead-letter.js';
import type { EngineEvents } from './events.js';
import type { SourcePosition, StreamRecord } from './record.js';
import type { TableRow, TableSpec } from './table.js';
import type { Clock } from './time/clock.js';

/** What a sink gets when it is opened: the topology and the tables it will receive. */
export interface SinkOpenContext {
  readonly topology: string;
  readonly tables: readonly TableSpec[];
  readonly clock: Clock;
  readonly events: EngineEvents;
}

/** What a sink gets with each write. */
export interface WriteContext {
  readonly topology: string;
  /**
   * Source positions that become committable once this write is durable. A transactional sink
   * stores them in the same transaction as the data (exactly-once effect); others ignore them.
   */
  readonly positions: readonly SourcePosition[];
  /** A record the sink rejects permanently goes here; the rest of the batch still counts as written. */
  deadLetter(letter: DeadLetter): void;
}

/**
 * Writes output rows durably. `write` is idempotent: writing the same records twice leaves the
 * same state (upsert by the table's key). Resolving means durable; a thrown `EngineError` with
 * `retryable` is retried by the runtime, anything else stops the pipeline.
 */
export interface Sink {
  readonly name: string;
  open(ctx: SinkOpenContext): Promise<void>;
  /**
   * A record with `op: 'delete'` (change-data capture) removes the row with its key; its row may carry
   * only the key columns, and a key that is absent is no error. Records of one key are applied in batch
   * order, and a batch after the ones before it: the last record of a key decides its state.
   */
  write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void>;
  /** Makes everything written so far durable; `endOfInput` is true once a bounded input is done. */
  flush(endOfInput: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A sink that keeps source positions with the data, so a restart resumes exactly after them. */
export interface TransactionalSink extends Sink {
  storedPositions(source: string): Promise<readonly SourcePosition[]>;
}

export function isTransactionalSink(sink: Sink): sink is TransactionalSink {
  return typeof (sink as Partial<TransactionalSink>).storedPositions === 'function';
}
