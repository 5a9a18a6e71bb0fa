import type { Cell, ColumnType } from '../../engine/index.js';

/** A cell as one field of COPY's text format (tab-separated, `\N` for null). */
export type CopyEncoder = (value: Cell | undefined) => string;

const NULL = '\\N';
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes backslash, newline, carriage return and tab; every other character travels as itself. */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : text;
}

function plain(value: Cell | undefined): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value === 'string') return escapeCopyText(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

function number(value: Cell | undefined): string {
  return typeof value === 'number' ? formatNumber(value) : plain(value);
}

const SCALES = [100, 10_000, 1_000_000] as const;
const SCALE_DIGITS = [2, 4, 6] as const;

/**
 * Exactly `String(value)` (the shortest text that reads back as the same double), faster for the common
 * case of a number with few decimals (prices, averages): when `k / 10^d === value` for an integer `k`
 * and d ≤ 6, the decimal k·10^-d is the only one that short within half an ulp (below 1e9 the ulp is far
 * smaller than 10^-6), so it is what `String` prints; the digits come from integer formatting, which
 * V8 caches. Everything else goes to `String`.
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !(value > -1e9 && value < 1e9)) return String(value);
  for (let i = 0; i < SCALES.length; i++) {
    const scale = SCALES[i]!;
    const scaled = Math.round(value * scale);
    if (scaled / scale !== value) continue;
    const magnitude = Math.abs(scaled);
    let fraction = String(magnitude % scale).padStart(SCALE_DIGITS[i]!, '0');
    let end = fraction.length;
    while (fraction.charCodeAt(end - 1) === 48 /* 0 */) end--;
    fraction = fraction.slice(0, end);
    return `${value < 0 ? '-' : ''}${Math.floor(magnitude / scale)}.${fraction}`;
  }
  return String(value);
}

/**
 * Epoch ms become ISO-8601 UTC; anything unrepresentable goes as text so the server rejects that row.
 * Remembers the last value: window results of one window share their start and end.
 */
function timestampEncoder(): CopyEncoder {
  let lastValue: number | undefined;
  let lastText = '';
  return (value) => {
    if (typeof value !== 'number') return plain(value);
    if (value === lastValue) return lastText;
    const date = new Date(value);
    lastText = Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
    lastValue = value;
    return lastText;
  };
}

/** The encoder of a declared column type (one per column: it may keep a small cache); values are data, never SQL. */
export function copyEncoder(type: ColumnType): CopyEncoder {
  if (type === 'timestamptz') return timestampEncoder();
  if (type === 'numeric' || type === 'integer') return number;
  return plain;
}
