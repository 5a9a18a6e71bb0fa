import type { Cell, TableSpec } from '../../engine/index.js';
import type { SparkSqlClient, SparkValue } from '../services/index.js';

/**
 * A Delta table's declared columns read straight from the Spark worker (not through the sink or the
 * driver), as the conformance suite compares them: integers and numerics as numbers, timestamps as epoch
 * ms, dates as `YYYY-MM-DD`, null for missing.
 */
export async function readSparkTable(spark: SparkSqlClient, qualifiedTable: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  const columns = spec.columns.map((c) => `\`${c.name}\``).join(', ');
  const result = await spark.sql(`SELECT ${columns} FROM ${qualifiedTable}`, { maxRows: 1_000_000, longsAsStrings: true });
  return result.rows.map((row) => Object.fromEntries(spec.columns.map((column, i) => [column.name, toCell(column.type, row[i] ?? null)])));
}

function toCell(type: TableSpec['columns'][number]['type'], value: SparkValue): Cell {
  if (value === null) return null;
  switch (type) {
    case 'integer':
      return Number(value);
    case 'numeric':
      return typeof value === 'number' ? value : Number(String(value).replace(/^nan$/i, 'NaN').replace(/^(-?)inf$/i, '$1Infinity'));
    case 'timestamptz':
      return Date.parse(String(value));
    default:
      return value as Cell;
  }
}
