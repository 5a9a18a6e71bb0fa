import type { Cell, Row } from '../../../engine/index.js';

/**
 * The field of a source record's row that names the target table. PostgreSQL identifiers cannot
 * contain NUL, so it never collides with a column.
 */
export const TABLE_FIELD = '\u0000table';

/** The target table a source record belongs to. */
export function tableOfRow(row: Row): string {
  const table = row[TABLE_FIELD];
  if (typeof table !== 'string') throw new Error('not a record of the PostgreSQL source: no table field');
  return table;
}

/** The row's columns without the table field. */
export function columnsOfRow(row: Row): Record<string, Cell> {
  const { [TABLE_FIELD]: _table, ...columns } = row;
  return columns;
}
