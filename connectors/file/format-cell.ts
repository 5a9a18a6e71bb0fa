import type { Cell, ColumnType } from '../../engine/index.js';

/** A cell as JSON: timestamps become ISO-8601 strings, everything else stays as it is. */
export function jsonCell(value: Cell | undefined, type: ColumnType): Cell {
  if (value === undefined || value === null) return null;
  if (type === 'timestamptz' && typeof value === 'number') return new Date(value).toISOString();
  return value;
}

/** A cell as an RFC 4180 CSV field: empty for null, quoted only when it must be. */
export function csvCell(value: Cell | undefined, type: ColumnType): string {
  const json = jsonCell(value, type);
  if (json === null) return '';
  const text = String(json);
  return needsQuotes(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function needsQuotes(text: string): boolean {
  if (text.length === 0) return false;
  if (text.startsWith(' ') || text.endsWith(' ')) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */ || c === 34 /* " */ || c === 10 || c === 13) return true;
  }
  return false;
}

/** One CSV line (without the line break) from cells in column order. */
export function csvLine(fields: readonly string[]): string {
  return fields.join(',');
}
