import type { OperatorFunction } from 'rxjs';
import type { StreamBatch } from '../record.js';
import type { TopologyContext } from '../topology.js';

export interface WatermarkOptions {
  /** Operator name for metrics. */
  readonly name: string;
  /** Bounded out-of-orderness: watermark = max event time seen − this − 1 (per partition). */
  readonly maxOutOfOrdernessMs: number;
  /**
   * An unbounded partition with no records for this long (clock time) stops holding the watermark
   * back until it sends again. Absent: idle partitions hold it back forever (safe default).
   */
  readonly idleTimeoutMs?: number;
}

/**
 * Assigns watermarks per partition (`partitionId` of each record's position) and emits the minimum
 * over active partitions on each batch where it advances. Ended partitions (bounded inputs) stop
 * holding it back. Watermarks never go backwards.
 */
export function assignWatermarks<T>(ctx: TopologyContext, options: WatermarkOptions): OperatorFunction<StreamBatch<T>, StreamBatch<T>> {
  void ctx; void options;
  throw new Error('not implemented yet');
}
