/** Column types every sink knows how to store. */
export type ColumnType = 'text' | 'integer' | 'numeric' | 'boolean' | 'timestamptz' | 'date';

/**
 * A cell of an output row. `timestamptz` cells are epoch milliseconds (numbers); `date` cells are
 * `YYYY-MM-DD` strings; null means missing (written as an empty CSV field or JSON null).
 */
export type Cell = string | number | boolean | null;

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/**
 * An output table a topology declares: its columns in contract order and the columns that
 * identify a row (DESIGN.md invariant 5: sinks upsert on them, Elasticsearch uses them as `_id`).
 */
export interface TableSpec {
  readonly name: string;
  readonly description?: string;
  readonly columns: readonly ColumnSpec[];
  readonly key: readonly string[];
}

/** One row of an output table, as it travels to the sinks. */
export interface TableRow {
  readonly table: string;
  readonly row: Readonly<Record<string, Cell>>;
}

/** The deterministic identity of a row: its key columns' values joined, stable across restarts. */
export function rowKey(spec: TableSpec, row: Readonly<Record<string, Cell>>): string {
  return spec.key.map((column) => String(row[column] ?? '')).join('\u0001');
}
