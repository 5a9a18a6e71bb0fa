import type { Cell, Row } from '../../../engine/index.js';

/**
 * The property of a source record's row that names the target table. A symbol: keys, entries and JSON
 * of the row show only its columns, so the migrate topology hands the row to the sinks as it is,
 * without copying it (one object less per row on the snapshot's hot path).
 */
export const TABLE_FIELD: unique symbol = Symbol('cloudpulse.postgres.table');

/** A row of the PostgreSQL source: its columns, and the table it belongs to under {@link TABLE_FIELD}. */
export type SourceRow = Record<string, Cell> & { [TABLE_FIELD]?: string };

/** Marks `row` (freshly built by the source) as a row of `table`; returns it. */
export function markTable(row: Record<string, Cell>, table: string): Row {
  (row as SourceRow)[TABLE_FIELD] = table;
  return row;
}

/** The target table a source record belongs to. */
export function tableOfRow(row: Row): string {
  const table = (row as SourceRow)[TABLE_FIELD];
  if (typeof table !== 'string') throw new Error('not a record of the PostgreSQL source: no table field');
  return table;
}

