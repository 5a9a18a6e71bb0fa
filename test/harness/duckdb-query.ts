import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Runs SQL in a fresh in-memory DuckDB and returns the rows as JSON-safe objects (BIGINT as string),
 * for computing expected results independently of the engine.
 */
export async function duckdbRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A SQL `VALUES` table expression, e.g. `(VALUES (1, 'a')) AS name(t, k)`; numbers become BIGINT. */
export function valuesTable(name: string, columns: readonly string[], rows: readonly (readonly (number | string)[])[]): string {
  const literal = (v: number | string): string => (typeof v === 'number' ? `${v}::BIGINT` : `'${v.replaceAll("'", "''")}'`);
  return `(VALUES ${rows.map((row) => `(${row.map(literal).join(', ')})`).join(', ')}) AS ${name}(${columns.join(', ')})`;
}
