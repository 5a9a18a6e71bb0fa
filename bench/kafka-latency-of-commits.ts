import type { ObservedCommit } from './kafka-latency-commit-watch.js';
import type { ProducedSpan } from './kafka-latency-producer.js';

export interface LatencySummary {
  /** Records measured (produced in the interval, committed). */
  readonly records: number;
  /** Records produced in the interval whose position was never seen committed. */
  readonly uncommitted: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

const MAX_BUCKET_MS = 600_000;

/**
 * Per record: the first observed commit of its partition at or past its offset, minus its Kafka
 * timestamp, for the records produced in `[from, to)` (the warm-up before `from` is left out). Percentiles over records, 1 ms buckets.
 */
export function latencyOfCommits(spans: readonly ProducedSpan[], commits: readonly ObservedCommit[], from: number, to = Number.POSITIVE_INFINITY): LatencySummary {
  const buckets = new Uint32Array(MAX_BUCKET_MS + 1);
  let records = 0;
  let uncommitted = 0;
  let max = 0;
  const partitions = new Set(spans.map((s) => s.partition));
  for (const partition of partitions) {
    const mine = spans.filter((s) => s.partition === partition && s.timestamp >= from && s.timestamp < to).sort((a, b) => a.baseOffset - b.baseOffset);
    // A committed offset never goes back: the first notification at or past an offset is its commit.
    const seen = commits.filter((c) => c.partition === partition).sort((a, b) => a.seenAt - b.seenAt);
    let c = 0;
    for (const span of mine) {
      let offset = span.baseOffset;
      const end = span.baseOffset + span.count;
      while (offset < end) {
        while (c < seen.length && seen[c]!.offset < offset) c++;
        if (c === seen.length) {
          uncommitted += end - offset;
          break;
        }
        const commit = seen[c]!;
        const through = Math.min(end, commit.offset + 1);
        const latency = Math.max(0, commit.seenAt - span.timestamp);
        buckets[Math.min(latency, MAX_BUCKET_MS)]! += through - offset;
        records += through - offset;
        if (latency > max) max = latency;
        offset = through;
      }
    }
  }
  return { records, uncommitted, p50: percentile(buckets, records, 0.5), p90: percentile(buckets, records, 0.9), p99: percentile(buckets, records, 0.99), max };
}

function percentile(buckets: Uint32Array, total: number, q: number): number {
  if (total === 0) return Number.NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let ms = 0; ms < buckets.length; ms++) {
    seen += buckets[ms]!;
    if (seen >= rank) return ms;
  }
  return MAX_BUCKET_MS;
}
