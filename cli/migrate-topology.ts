import { map } from 'rxjs';
import type { StreamBatch, TableRow, TableSpec, Topology } from '../engine/index.js';
import { tableOfRow } from '../connectors/postgres/source/change-row.js';

/**
 * The migration's topology: every source record becomes a row of its table, unchanged, keeping its
 * operation (a delete stays a delete by key) and its position, so the sinks apply the source's changes in order.
 */
export function migrateTopology(name: string, tables: readonly TableSpec[]): Topology {
  return {
    name,
    description: 'copy PostgreSQL tables and their changes',
    inputs: [{ name: 'changes', kind: 'stream', description: 'snapshot rows, then changes, of the selected tables', defaultFile: '', readOptions: () => ({}) }],
    outputs: tables,
    options: [],
    graph: tables.map((t) => ({ from: 'changes', to: t.name })),
    build(inputs) {
      return inputs.streams.changes!.pipe(
        map((batch): StreamBatch<TableRow> => ({
          // The row goes as it is: its table mark is a symbol, which no sink sees among its columns. One
          // literal of the record's fields, not a spread: this runs once per row migrated.
          records: batch.records.map((record) => ({
            value: { table: tableOfRow(record.value), row: record.value },
            eventTime: record.eventTime,
            key: record.key,
            position: record.position,
            op: record.op,
            version: record.version,
          })),
        })),
      );
    },
  };
}
