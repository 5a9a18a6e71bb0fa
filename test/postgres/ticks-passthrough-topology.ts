import { map } from 'rxjs';
import type { StreamBatch, TableRow, TableSpec, Topology } from '../../engine/index.js';

/** One output row per input tick, keyed by its line: every output row names exactly one source position. */
export const ticksOutTable: TableSpec = {
  name: 'ticks_out',
  columns: [
    { name: 'line', type: 'integer' },
    { name: 'ts', type: 'timestamptz' },
    { name: 'symbol', type: 'text' },
    { name: 'price', type: 'numeric' },
    { name: 'volume', type: 'integer' },
  ],
  key: ['line'],
};

/**
 * A stateless test topology over generated ticks (`ts,symbol,price,volume`): each record becomes one row
 * of `ticks_out` keyed by its line, so "each position applied exactly once" can be checked row by row.
 */
export const ticksPassthroughTopology: Topology = {
  name: 'ticks-passthrough',
  description: 'test: each tick to one row keyed by its line',
  inputs: [
    {
      name: 'ticks',
      kind: 'stream',
      description: 'generated ticks',
      defaultFile: 'ticks.csv',
      readOptions: () => ({
        fields: [
          { name: 'ts', type: 'timestamp', required: true },
          { name: 'price', type: 'number', required: true },
          { name: 'volume', type: 'integer', required: true },
        ],
        eventTime: 'ts',
      }),
    },
  ],
  outputs: [ticksOutTable],
  options: [],
  graph: [{ from: 'ticks', to: 'ticks_out' }],
  build(inputs) {
    return inputs.streams.ticks!.pipe(
      map((batch): StreamBatch<TableRow> => ({
        records: batch.records.map((record) => ({
          ...record,
          value: {
            table: ticksOutTable.name,
            row: { line: record.position.offset, ts: record.value.ts ?? null, symbol: record.value.symbol ?? null, price: record.value.price ?? null, volume: record.value.volume ?? null },
          },
        })),
      })),
    );
  },
};
