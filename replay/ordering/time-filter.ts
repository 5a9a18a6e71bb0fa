import type { ReadBatch } from '../formats/record-reader.js';
import type { BatchReader } from './ordered-batch.js';

/**
 * Keeps records whose event time lies in `[from, to)` (either bound may be absent) and reports how
 * many it dropped, so a time-bounded replay counts what it leaves out instead of losing it silently.
 */
export function filterByTime(reader: BatchReader, from: number | undefined, to: number | undefined, onFiltered: (count: number) => void): BatchReader {
  if (from === undefined && to === undefined) return reader;
  const low = from ?? -Infinity;
  const high = to ?? Infinity;
  return {
    name: reader.name,
    bytesRead: () => reader.bytesRead?.() ?? 0,
    async next(max: number): Promise<ReadBatch> {
      const batch = await reader.next(max);
      const records = batch.records.filter((r) => r.eventTime >= low && r.eventTime < high);
      if (records.length < batch.records.length) onFiltered(batch.records.length - records.length);
      return { records, last: batch.last };
    },
  };
}
