import type { ColumnType } from '../../engine/index.js';

/** The PostgreSQL type a declared column is created with (integers as bigint: counts and volumes outgrow int4). */
export const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'text',
  integer: 'bigint',
  numeric: 'numeric',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  date: 'date',
};

// Existing column types (as `format_type` prints them) that hold every value of a declared type
// or reject a bad one per row; anything else is an incompatible change.
const COMPATIBLE: Readonly<Record<ColumnType, RegExp>> = {
  text: /^(text|character varying(\(\d+\))?)$/,
  integer: /^(bigint|integer|smallint|numeric(\(\d+(,\d+)?\))?)$/,
  numeric: /^(numeric(\(\d+(,\d+)?\))?|double precision|real)$/,
  boolean: /^boolean$/,
  timestamptz: /^timestamp(\(\d\))? with time zone$/,
  date: /^date$/,
};

/** True when an existing column of type `existing` (from `format_type`) can store a declared `type`. */
export function isCompatibleType(type: ColumnType, existing: string): boolean {
  return COMPATIBLE[type].test(existing);
}
