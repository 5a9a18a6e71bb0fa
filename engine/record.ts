/** Whether a stream ends: a replayed file is bounded, a Kafka topic is not. */
export type Boundedness = 'bounded' | 'unbounded';

/**
 * Where a record came from, precise enough to re-read it and to name it in an error:
 * a Kafka topic/partition/offset, a file/line, or a Postgres slot/LSN.
 * Offsets only grow within one (source, partition).
 */
export interface SourcePosition {
  readonly source: string;
  readonly partition: string;
  readonly offset: number;
}

/** One record travelling through the engine. `eventTime` is epoch milliseconds (UTC). */
export interface StreamRecord<T> {
  readonly value: T;
  readonly eventTime: number;
  readonly key?: string;
  readonly position: SourcePosition;
  /** Absent means upsert; 'delete' (from change-data capture) removes the key in every sink. */
  readonly op?: 'upsert' | 'delete';
  /**
   * The version of the change this record carries, rising per key through the source's history (a
   * PostgreSQL change's WAL position; a snapshot row's is below every change that follows it): a sink
   * with versioned writes lets no record replace a state of its key written from an equal or higher
   * version. Absent: unversioned.
   */
  readonly version?: number;
}

/**
 * The unit that flows between sources, operators and sinks: a micro-batch of records
 * (about 1,000, formed at the source) plus the watermark known after it, if it moved.
 * Records and watermark travel together so a window operator sees the records before
 * the watermark that may close their window.
 */
export interface StreamBatch<T> {
  readonly records: readonly StreamRecord<T>[];
  /** Event time up to which (inclusive) no more on-time records are expected. */
  readonly watermark?: number;
  /** Partition ids (see `partitionId`) that reached their end with this batch (bounded inputs). */
  readonly endOfPartitions?: readonly string[];
  /**
   * Partition ids the source reads from now on (a Kafka assignment), repeated on every batch: a
   * watermark operator holds the watermark back for each from the start, not only from its first record.
   */
  readonly startOfPartitions?: readonly string[];
  /**
   * Partition ids the source knows have nothing to send (caught up with their log and quiet for its idle
   * timeout), repeated on every batch: they stop holding the watermark back until they send again.
   */
  readonly idlePartitions?: readonly string[];
}

/** A stable string for a (source, partition) pair, used as a Map key. */
export function partitionId(position: Pick<SourcePosition, 'source' | 'partition'>): string {
  return `${position.source}\u0000${position.partition}`;
}

/** The highest of `positions` per (source, partition), in first-seen order: what a sink stores. */
export function highestPerPartition(positions: readonly SourcePosition[]): SourcePosition[] {
  const highest = new Map<string, SourcePosition>();
  for (const position of positions) {
    const id = partitionId(position);
    const current = highest.get(id);
    if (current === undefined || position.offset > current.offset) highest.set(id, position);
  }
  return [...highest.values()];
}

/** Renders a position the way errors and dead letters name it: `file:line` or `topic/partition@offset`. */
export function formatPosition(position: SourcePosition): string {
  return position.partition === '' || position.partition === position.source
    ? `${position.source}:${position.offset}`
    : `${position.source}/${position.partition}@${position.offset}`;
}
