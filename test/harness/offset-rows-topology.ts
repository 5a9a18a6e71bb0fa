import { map } from 'rxjs';
import type { StreamBatch, StreamRecord, TableRow, Topology } from '../../engine/index.js';

/**
 * A test topology for runtime tests: every input record becomes a row `{ id: <its offset> }` of table
 * `t` (key `id`), keeping the record's position, so a sink's rows name exactly the records it received.
 */
export const offsetRowsTopology: Topology = {
  name: 'offset-rows',
  description: 'test: one row per record, id = its offset',
  inputs: [{ name: 'in', kind: 'stream', description: 'test', defaultFile: 'x', readOptions: () => ({}) }],
  outputs: [{ name: 't', columns: [{ name: 'id', type: 'integer' }], key: ['id'] }],
  options: [],
  graph: [],
  build: (inputs) =>
    inputs.streams.in!.pipe(
      map((batch): StreamBatch<TableRow> => ({ records: batch.records.map((r): StreamRecord<TableRow> => ({ ...r, value: { table: 't', row: { id: r.position.offset } } })) })),
    ),
};
