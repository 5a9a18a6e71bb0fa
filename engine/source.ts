import type { Observable } from 'rxjs';
import type { DeadLetter } from './dead-letter.js';
import type { EngineEvents } from './events.js';
import type { Boundedness, SourcePosition, StreamBatch } from './record.js';
import type { Clock } from './time/clock.js';

/** What a source gets from the runtime when it is opened. */
export interface SourceContext {
  readonly topology: string;
  readonly clock: Clock;
  readonly events: EngineEvents;
  /** Records the source cannot read go here (DESIGN.md invariant 1), with position and reason. */
  deadLetter(letter: DeadLetter): void;
  /** Positions to resume after (exclusive), per partition, e.g. from a transactional sink. */
  readonly resumeFrom: readonly SourcePosition[];
  /**
   * Reads again the positions the transactional sinks hold (at this moment, not at open): a source whose
   * partitions are assigned while it runs (Kafka) calls it on each assignment, naming the assigned
   * `partitions` so that sinks fencing per partition claim them before it reads. Absent without such a sink.
   */
  readonly storedPositions?: (partitions?: readonly string[]) => Promise<readonly SourcePosition[]>;
}

/**
 * Emits records in micro-batches (about 1,000 records); completes only if bounded. A batch's
 * `endOfPartitions` tells watermark operators which partitions will send nothing more.
 */
export interface Source<T> {
  readonly name: string;
  readonly boundedness: Boundedness;
  /**
   * Starts a run. A source that can be opened again after a run ended (the daemon reopens its Kafka sources
   * after a rebalance or a fenced write) starts every run unpaused, whatever the last one left behind.
   */
  open(ctx: SourceContext): Observable<StreamBatch<T>>;
  /** Backpressure from the runner's in-flight bound; must take effect within one batch. */
  pause(): void;
  resume(): void;
  /** Receives only positions every sink has durably written; idempotent. */
  commit(positions: readonly SourcePosition[]): Promise<void>;
  close(): Promise<void>;
}
