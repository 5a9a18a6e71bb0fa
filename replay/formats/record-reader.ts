import type { DeadLetter, ReadOptions, Row, StreamRecord } from '../../engine/index.js';

/** One pull from a reader: up to the requested number of records, and whether the file has ended. */
export interface ReadBatch {
  readonly records: StreamRecord<Row>[];
  /** True when no record follows; the reader must not be asked again. */
  readonly last: boolean;
}

/**
 * Reads one file's records in order, pulled batch by batch: nothing is read from disk between
 * pulls, so a caller that stops pulling stops the reading (backpressure). Positions are
 * `{ source: name, partition: name, offset }` with the format's offset (CSV/JSONL: the 1-based
 * physical line where the record starts; Avro: the record's 1-based index in the file).
 */
export interface RecordReader {
  /** The file's base name: source and partition of every position. */
  readonly name: string;
  readonly path: string;
  /** Size of the file in bytes. */
  readonly totalBytes: number;
  /** Bytes read from the file so far. */
  bytesRead(): number;
  next(max: number): Promise<ReadBatch>;
  /** Releases the file; idempotent. */
  close(): Promise<void>;
}

/** What every format reader is given. */
export interface RecordReaderOptions {
  readonly read: ReadOptions;
  /** Receives records that cannot be read (reason, position, field, raw text). */
  readonly deadLetter: (letter: DeadLetter) => void;
  /** Records at or below this offset are skipped unread (resume after a durable position). */
  readonly resumeAfter?: number;
  /** Bytes per read from disk (default 1 MiB). */
  readonly chunkBytes?: number;
}
