import type { Row, StreamRecord } from '../../engine/index.js';
import type { ReadBatch } from '../formats/record-reader.js';

/** A batch in replay order, with the partition ids (see `partitionId`) whose last record it holds. */
export interface OrderedBatch {
  readonly records: StreamRecord<Row>[];
  readonly ended: string[];
}

/** The part of a `RecordReader` the ordering stages pull from. */
export interface BatchReader {
  /** Source and partition name of the reader's positions. */
  readonly name: string;
  next(max: number): Promise<ReadBatch>;
  /** Bytes read from the underlying file so far, when known. */
  bytesRead?(): number;
}
