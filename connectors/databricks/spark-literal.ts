import type { Cell, ColumnType } from '../../engine/index.js';
import { SPARK_TYPES } from './column-types.js';

/** A cell that cannot be written as its column's type (a text in a numeric column, a malformed date…). */
export class SparkLiteralError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(message);
    this.name = 'SparkLiteralError';
  }
}

/**
 * Quotes text as a Spark SQL string literal that reads back as exactly `text`. Spark's rules are not
 * the standard ones: `''` inside a literal ends it (`'it''s'` is two adjacent literals, read as `its`), and
 * backslash sequences are interpreted (`'C:\new'` holds a newline). So `\` becomes `\\` and `'` becomes
 * `\'`. `$` becomes the escape `\u0024` because Spark substitutes `${…}` variables (`${env:HOME}`) in the
 * statement text before it parses it. Every other character, newlines and NUL included, stands for itself.
 */
export function sparkStringLiteral(text: string): string {
  let out = "'";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // 0x5c `\`, 0x27 `'`, 0x24 `$`
    if (code !== 0x5c && code !== 0x27 && code !== 0x24) continue;
    out += text.slice(start, i) + (code === 0x5c ? '\\\\' : code === 0x27 ? "\\'" : '\\u0024');
    start = i + 1;
  }
  return `${out}${text.slice(start)}'`;
}

/** Turns one cell of a column into Spark SQL literal text; throws {@link SparkLiteralError}. */
export type LiteralEncoder = (cell: Cell | undefined) => string;

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// Spark's TIMESTAMP range: 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z, in epoch ms.
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const MAX_TIMESTAMP_MS = 253_402_300_800_000;

/**
 * The encoder of a declared column: every value gets a typed literal, so the statement's meaning never
 * depends on Spark's type inference or the session's settings.
 *
 * - text: a string literal ({@link sparkStringLiteral}); numbers and booleans as their text.
 * - integer (BIGINT): `123L`; a safe integer, or a decimal string within 64 bits.
 * - numeric (DOUBLE): `1.25D`, `1.0E21D`; NaN and ±Infinity as `CAST('NaN' AS DOUBLE)`; numeric strings too.
 * - boolean: `TRUE` / `FALSE`.
 * - timestamptz (epoch ms): `TIMESTAMP '2024-01-02 14:30:00.123000Z'`: UTC, microseconds, explicitly zoned
 *   so the session time zone plays no part.
 * - date (`YYYY-MM-DD`): `DATE '2024-01-02'`.
 * - null (or a missing cell): `CAST(NULL AS <type>)`, so a column of NULLs in a VALUES list keeps its type.
 */
export function literalEncoder(column: string, type: ColumnType): LiteralEncoder {
  const typedNull = `CAST(NULL AS ${SPARK_TYPES[type]})`;
  const fail = (cell: Cell, expected: string): never => {
    throw new SparkLiteralError(column, `column ${column}: ${JSON.stringify(cell)} is not ${expected}`);
  };
  switch (type) {
    case 'text':
      return (cell) => (cell === null || cell === undefined ? typedNull : sparkStringLiteral(typeof cell === 'string' ? cell : String(cell)));
    case 'integer':
      return (cell) => {
        if (cell === null || cell === undefined) return typedNull;
        if (typeof cell === 'number' && Number.isSafeInteger(cell)) return `${cell}L`;
        if (typeof cell === 'string' && INTEGER_TEXT.test(cell)) {
          const value = BigInt(cell);
          if (value >= INT64_MIN && value <= INT64_MAX) return `${value}L`;
        }
        return fail(cell, 'an integer within 64 bits (BIGINT)');
      };
    case 'numeric':
      return (cell) => {
        if (cell === null || cell === undefined) return typedNull;
        let value: number | undefined;
        if (typeof cell === 'number') value = cell;
        else if (typeof cell === 'string' && DECIMAL_TEXT.test(cell)) value = Number(cell);
        if (value === undefined) return fail(cell, 'a number (DOUBLE)');
        return doubleLiteral(value);
      };
    case 'boolean':
      return (cell) => {
        if (cell === null || cell === undefined) return typedNull;
        if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
        return fail(cell, 'a boolean');
      };
    case 'timestamptz':
      return (cell) => {
        if (cell === null || cell === undefined) return typedNull;
        if (typeof cell !== 'number' || !Number.isFinite(cell) || cell < MIN_TIMESTAMP_MS || cell >= MAX_TIMESTAMP_MS) {
          return fail(cell, 'an instant in epoch milliseconds between years 1 and 9999 (TIMESTAMP)');
        }
        return `TIMESTAMP '${utcMicrosText(cell)}Z'`;
      };
    case 'date':
      return (cell) => {
        if (cell === null || cell === undefined) return typedNull;
        if (typeof cell !== 'string' || !isCalendarDate(cell)) return fail(cell, 'a date YYYY-MM-DD (DATE)');
        return `DATE '${cell}'`;
      };
  }
}

/** A DOUBLE literal that reads back as exactly `value` (JavaScript's shortest round-trip digits). */
export function doubleLiteral(value: number): string {
  if (Number.isNaN(value)) return "CAST('NaN' AS DOUBLE)";
  if (value === Infinity) return "CAST('Infinity' AS DOUBLE)";
  if (value === -Infinity) return "CAST('-Infinity' AS DOUBLE)";
  // `1e+21` → `1E21D`, `5e-7` → `5E-7D`; Spark's grammar takes an exponent without `+`.
  return `${String(value).replace('e+', 'E').replace('e-', 'E-')}D`;
}

/** `yyyy-MM-dd HH:mm:ss.SSSSSS` in UTC; sub-millisecond digits come from the fraction of `ms`. */
function utcMicrosText(ms: number): string {
  const micros = Math.round(ms * 1000);
  const wholeMs = Math.floor(micros / 1000);
  const extra = micros - wholeMs * 1000;
  const iso = new Date(wholeMs).toISOString(); // 2024-01-02T14:30:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(extra).padStart(3, '0')}`;
}

function isCalendarDate(text: string): boolean {
  const match = DATE_TEXT.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
