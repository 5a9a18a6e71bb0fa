import { partitionId, type StreamRecord } from '../../engine/index.js';

export interface TestRecordOptions {
  readonly key?: string;
  /** Default: the factory's partition. */
  readonly partition?: string;
  /** Default: the next offset of the partition (1, 2, 3… like file lines). */
  readonly offset?: number;
  readonly op?: 'upsert' | 'delete';
}

/**
 * Makes test records of one source with positions that grow per partition, as a real source's do.
 * `partitionId(p)` gives the id watermark operators, holds and `endOfPartitions` use.
 */
export class RecordFactory {
  private readonly offsets = new Map<string, number>();

  constructor(
    readonly source = 'test',
    readonly partition = '0',
  ) {}

  record<T>(value: T, eventTime: number, options: TestRecordOptions = {}): StreamRecord<T> {
    const partition = options.partition ?? this.partition;
    const offset = options.offset ?? (this.offsets.get(partition) ?? 0) + 1;
    this.offsets.set(partition, Math.max(offset, this.offsets.get(partition) ?? 0));
    return {
      value,
      eventTime,
      position: { source: this.source, partition, offset },
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(options.op === undefined ? {} : { op: options.op }),
    };
  }

  /** Records of several values at once: `[value, eventTime, key?]` triples. */
  records<T>(rows: readonly (readonly [T, number, string?])[], options: Omit<TestRecordOptions, 'key' | 'offset'> = {}): StreamRecord<T>[] {
    return rows.map(([value, eventTime, key]) => this.record(value, eventTime, { ...options, ...(key === undefined ? {} : { key }) }));
  }

  partitionId(partition: string = this.partition): string {
    return partitionId({ source: this.source, partition });
  }
}
