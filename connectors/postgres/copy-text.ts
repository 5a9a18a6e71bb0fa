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

function timestamp(value: Cell | undefined): string {
  // Epoch ms become ISO-8601 UTC; anything unrepresentable goes as text so the server rejects that row.
  if (typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
  }
  return plain(value);
}

/** The encoder of a declared column type; values are always data, never SQL. */
export function copyEncoder(type: ColumnType): CopyEncoder {
  return type === 'timestamptz' ? timestamp : plain;
}
