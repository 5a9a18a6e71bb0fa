import { map } from 'rxjs';
import type { StreamBatch, TableRow, TableSpec, Topology } from '../../engine/index.js';

/** One output row per input record, keyed by its Kafka partition and offset. */
export const kafkaTicksOutTable: TableSpec = {
  name: 'kafka_ticks_out',
  columns: [
    { name: 'partition', type: 'integer' },
    { name: 'offset', type: 'integer' },
    { name: 'ts', type: 'timestamptz' },
    { name: 'symbol', type: 'text' },
    { name: 'price', type: 'numeric' },
    { name: 'volume', type: 'integer' },
  ],
  key: ['partition', 'offset'],
};

/**
 * A stateless test topology over ticks (`ts,symbol,price,volume`) from Kafka: each record becomes one row
 * keyed by (partition, offset), so "each position applied exactly once" can be checked row by row.
 */
export const kafkaPassthroughTopology: Topology = {
  name: 'kafka-passthrough',
  description: 'test: each Kafka record to one row keyed by partition and offset',
  inputs: [
    {
      name: 'ticks',
      kind: 'stream',
      description: 'ticks',
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
  outputs: [kafkaTicksOutTable],
  options: [],
  graph: [{ from: 'ticks', to: 'kafka_ticks_out' }],
  build(inputs) {
    return inputs.streams.ticks!.pipe(
      map((batch): StreamBatch<TableRow> => ({
        records: batch.records.map((record) => ({
          ...record,
          value: {
            table: kafkaTicksOutTable.name,
            row: {
              partition: Number(record.position.partition),
              offset: record.position.offset,
              ts: record.value.ts ?? null,
              symbol: record.value.symbol ?? null,
              price: record.value.price ?? null,
              volume: record.value.volume ?? null,
            },
          },
        })),
      })),
    );
  },
};
