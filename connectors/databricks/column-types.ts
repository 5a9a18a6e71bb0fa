import type { ColumnType } from '../../engine/index.js';

/**
 * The Delta column type a declared column is created with. Numerics are DOUBLE: a cell is a JavaScript
 * number, which DOUBLE holds exactly (a DECIMAL of fixed scale would round it); integers are BIGINT.
 */
export const SPARK_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'STRING',
  integer: 'BIGINT',
  numeric: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMP',
  date: 'DATE',
};

// Existing column types (as `DESCRIBE TABLE` prints them) that take every value of a declared type.
const COMPATIBLE: Readonly<Record<ColumnType, RegExp>> = {
  text: /^(string|varchar\(\d+\)|char\(\d+\))$/,
  integer: /^(bigint|decimal\((19|[2-3]\d),0\))$/,
  numeric: /^(double|float|decimal\(\d+,\d+\))$/,
  boolean: /^boolean$/,
  timestamptz: /^timestamp$/,
  date: /^date$/,
};

/** True when an existing column of type `existing` (from `DESCRIBE TABLE`, any case) can store a declared `type`. */
export function isCompatibleSparkType(type: ColumnType, existing: string): boolean {
  return COMPATIBLE[type].test(existing.trim().toLowerCase().replaceAll(' ', ''));
}
