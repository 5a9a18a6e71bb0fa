import type { SourcePosition } from '../record.js';

/** The records of one (source, partition) in a batch: how many, and the highest offset among them. */
export interface PartitionRun {
  /** The first record's position: names the partition. */
  readonly position: SourcePosition;
  count: number;
  maxOffset: number;
}

/**
 * Summarises a batch per partition in one pass, in order of first appearance. Records of a batch come
 * in runs of one partition, so a partition is looked up only where a run starts (among the few
 * partitions of the batch, without building partition ids).
 */
export function partitionRuns(records: readonly { readonly position: SourcePosition }[]): PartitionRun[] {
  const runs: PartitionRun[] = [];
  let run: PartitionRun | undefined;
  for (let i = 0; i < records.length; i++) {
    const position = records[i]!.position;
    if (run === undefined || position.partition !== run.position.partition || position.source !== run.position.source) {
      run = runs.find((r) => r.position.partition === position.partition && r.position.source === position.source);
      if (run === undefined) {
        run = { position, count: 0, maxOffset: Number.NEGATIVE_INFINITY };
        runs.push(run);
      }
    }
    run.count++;
    if (position.offset > run.maxOffset) run.maxOffset = position.offset;
  }
  return runs;
}
