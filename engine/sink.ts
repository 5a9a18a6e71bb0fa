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
  /**
   * Optional. An output table gained columns while the pipeline runs (a change-data source saw
   * `ALTER TABLE … ADD COLUMN`): `table` is its declaration now, the columns of the declaration the
   * sink was opened with (or last evolved to) first, in order, then the new ones. Called before the
   * first write that may carry the new columns; afterwards `write` stores them. Rows written before
   * have no value for them (null). Only additions: the runtime never removes or retypes a column this
   * way. Idempotent (a restart may announce the same columns again); errors are classified as for `write`.
   * A sink without it keeps writing the columns it was opened with.
   */
  evolve?(table: TableSpec): Promise<void>;
  /** Makes everything written so far durable; `endOfInput` is true once a bounded input is done. */
  flush(endOfInput: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A sink that keeps source positions with the data, so a restart resumes exactly after them. */
export interface TransactionalSink extends Sink {
  /**
   * The positions stored for `source`. `partitions`, when given, were just assigned to the source, which
   * reads them next: a sink that fences writers per partition (Kafka transactions) claims them first, so no
   * write of an earlier owner can land after the answer.
   */
  storedPositions(source: string, partitions?: readonly string[]): Promise<readonly SourcePosition[]>;
}

export function isTransactionalSink(sink: Sink): sink is TransactionalSink {
  return typeof (sink as Partial<TransactionalSink>).storedPositions === 'function';
}

/**
 * A transactional sink whose stored positions are the source's own committed positions (Kafka → Kafka: the
 * consumer group's offsets, sent inside the Kafka transaction). The runner hands it the committable
 * positions instead of calling `Source.commit`, so the positions have one writer that commits them only
 * together with the data. At most one such sink per pipeline.
 */
export interface SourceCommittingSink extends TransactionalSink {
  /** Commits positions every sink has durably written whose data needed no write of this sink (idempotent). */
  commitPositions(positions: readonly SourcePosition[]): Promise<void>;
}

export function isSourceCommittingSink(sink: Sink): sink is SourceCommittingSink {
  return isTransactionalSink(sink) && typeof (sink as Partial<SourceCommittingSink>).commitPositions === 'function';
}
