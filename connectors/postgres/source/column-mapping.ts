import type { Cell, ColumnType } from '../../../engine/index.js';
import { parseArrayLiteral, type ArrayElement } from './parse-array-literal.js';
import { parseCommonTimestamp, parseTimestamp } from './parse-timestamp.js';

/** What the catalog says about a column's type (pg_type of the column and, for arrays, of the element). */
export interface SourceTypeInfo {
  readonly oid: number;
  /** `format_type` text, for messages (`numeric(10,2)`, `integer[]`). */
  readonly name: string;
  /** `pg_type.typcategory`: `A` for arrays. */
  readonly category: string;
  /** The element type's oid for arrays (`pg_type.typelem`), else 0. */
  readonly elementOid: number;
  /** The array delimiter (`pg_type.typdelim` of the element), `,` for every built-in type but box. */
  readonly delimiter?: string;
}

/** How one source column becomes a cell: the engine type it is declared with, and the text → cell conversion. */
export interface ColumnMapping {
  readonly type: ColumnType;
  /** What the mapping does, for `describe` output and errors (`jsonb → text (JSON)`). */
  readonly description: string;
  /** Converts PostgreSQL's text output of a value; throws a {@link CellConversionError} for a value with no cell. */
  readonly convert: (text: string) => Cell;
  /**
   * `convert(text.slice(start, end))` without the slice, for the snapshot's fields (escape-free,
   * not NULL); absent where the cell is the text itself.
   */
  readonly convertAt?: (text: string, start: number, end: number) => Cell;
  /**
   * A PostgreSQL column of `type` (as the Postgres sink creates it, or a compatible existing one) reading
   * the source's text output stores the value the cell holds, or the source's value more exactly
   * (microseconds of a timestamp, a numeric's trailing zeros): a snapshot line may go to a Postgres sink as it arrived.
   * False where the text means something else to the target (arrays become JSON, a timestamp without
   * time zone is read as UTC, floats are left to the cell).
   */
  readonly copyTextKeepsValue: boolean;
}

/** A source value the engine's cells cannot hold (`infinity` timestamps, BC dates). */
export class CellConversionError extends Error {}

const BOOL = 16;
const INT_TYPES = new Set([20, 21, 23, 26]); // int8, int2, int4, oid
const FLOAT_TYPES = new Set([700, 701]); // float4, float8
const NUMERIC = 1700;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const JSON_TYPES = new Set([114, 3802]); // json, jsonb

// Doubles hold every decimal of up to 15 significant digits exactly; longer ones stay exact as text.
const MAX_EXACT_DIGITS = 15;

/**
 * The engine type and conversion of a source column: booleans, integers, numerics (and floats),
 * dates, timestamps with and without time zone (the latter read as UTC), json/jsonb as their JSON text,
 * arrays as JSON text (`{1,2}` → `[1,2]`), and every other type as its PostgreSQL text output.
 * The same conversion reads the snapshot and the change stream (both are PostgreSQL text output),
 * so a row looks the same whichever way it arrives.
 */
export function columnMapping(info: SourceTypeInfo, elementInfo?: SourceTypeInfo): ColumnMapping {
  if (info.oid === BOOL) return { type: 'boolean', description: `${info.name} → boolean`, convert: toBoolean, convertAt: booleanAt, copyTextKeepsValue: true };
  if (INT_TYPES.has(info.oid)) return { type: 'integer', description: `${info.name} → integer`, convert: toExactNumber, convertAt: exactNumberAt, copyTextKeepsValue: true };
  if (FLOAT_TYPES.has(info.oid)) return { type: 'numeric', description: `${info.name} → numeric`, convert: Number, copyTextKeepsValue: false };
  if (info.oid === NUMERIC) return { type: 'numeric', description: `${info.name} → numeric`, convert: toExactNumber, convertAt: exactNumberAt, copyTextKeepsValue: true };
  if (info.oid === DATE) return { type: 'date', description: `${info.name} → date`, convert: toDate, copyTextKeepsValue: true };
  if (info.oid === TIMESTAMPTZ) return { type: 'timestamptz', description: `${info.name} → timestamptz`, convert: toTimestamp, convertAt: timestampAt, copyTextKeepsValue: true };
  if (info.oid === TIMESTAMP) return { type: 'timestamptz', description: `${info.name} → timestamptz (read as UTC)`, convert: toTimestamp, convertAt: timestampAt, copyTextKeepsValue: false };
  if (JSON_TYPES.has(info.oid)) return { type: 'text', description: `${info.name} → text (JSON)`, convert: (text) => text, copyTextKeepsValue: true };
  if (info.category === 'A') {
    const element = elementConverter(elementInfo);
    const delimiter = info.delimiter ?? ',';
    return {
      type: 'text',
      description: `${info.name} → text (JSON array)`,
      convert: (text) => JSON.stringify(convertElements(parseArrayLiteral(text, delimiter), element)),
      copyTextKeepsValue: false,
    };
  }
  return { type: 'text', description: `${info.name} → text`, convert: (text) => text, copyTextKeepsValue: true };
}

function toBoolean(text: string): boolean {
  return text === 't' || text === 'true';
}

/** A number when a double holds it exactly, else the decimal text (the sinks store it exactly). */
function toExactNumber(text: string): number | string {
  // No more characters than exact digits: no more digits either (the snapshot's common case, no regex).
  if (text.length <= MAX_EXACT_DIGITS) return Number(text);
  const digits = text.replace(/^[+-]/, '').replace(/\./, '').replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length > MAX_EXACT_DIGITS && /^[+-]?\d/.test(text)) return text;
  return Number(text);
}

function booleanAt(text: string, start: number, end: number): boolean {
  return end - start === 1 ? text.charCodeAt(start) === 116 /* t */ : toBoolean(text.slice(start, end));
}

const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, i) => 10 ** i);

/**
 * `toExactNumber` of `[-]digits[.digits]` with at most 15 digits, read from the characters: the digits
 * as an integer (exact below 2^53) divided by a power of ten (exact up to 10^22) is the correctly
 * rounded quotient, the double `Number` reads. Anything else (more digits, NaN, exponents) goes to `toExactNumber`.
 */
function exactNumberAt(text: string, start: number, end: number): number | string {
  let at = start;
  const negative = text.charCodeAt(at) === 45; /* - */
  if (negative) at++;
  let mantissa = 0;
  let digits = 0;
  let point = -1;
  for (; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
    } else if (code === 46 /* . */ && point < 0) {
      point = at;
    } else {
      return toExactNumber(text.slice(start, end));
    }
  }
  if (digits === 0 || digits > MAX_EXACT_DIGITS) return toExactNumber(text.slice(start, end));
  const value = point < 0 ? mantissa : mantissa / POWERS_OF_TEN[end - point - 1]!;
  return negative ? -value : value;
}

function timestampAt(text: string, start: number, end: number): number {
  return parseCommonTimestamp(text, start, end) ?? toTimestamp(text.slice(start, end));
}

function toDate(text: string): string {
  if (!isIsoDate(text)) throw new CellConversionError(`date ${JSON.stringify(text)} has no YYYY-MM-DD form (infinity or BC)`);
  return text;
}

/** `YYYY-MM-DD`, checked without a regular expression (the snapshot checks one per date cell). */
function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  for (const at of DATE_DIGITS) {
    const code = text.charCodeAt(at);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9] as const;

function toTimestamp(text: string): number {
  const epoch = parseTimestamp(text);
  if (epoch === undefined) throw new CellConversionError(`timestamp ${JSON.stringify(text)} has no epoch milliseconds (infinity or out of range)`);
  return epoch;
}

type ElementConverter = (text: string) => unknown;

function elementConverter(element: SourceTypeInfo | undefined): ElementConverter {
  if (element === undefined) return (text) => text;
  if (element.oid === BOOL) return toBoolean;
  if (INT_TYPES.has(element.oid) || FLOAT_TYPES.has(element.oid) || element.oid === NUMERIC) return toExactNumber;
  if (JSON_TYPES.has(element.oid)) return (text) => JSON.parse(text) as unknown;
  if (element.oid === TIMESTAMPTZ || element.oid === TIMESTAMP) return (text) => new Date(toTimestamp(text)).toISOString();
  return (text) => text;
}

function convertElements(items: readonly ArrayElement[], element: ElementConverter): unknown[] {
  return items.map((item) => (item === null ? null : Array.isArray(item) ? convertElements(item, element) : element(item)));
}
