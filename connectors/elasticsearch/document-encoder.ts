import type { Cell, ColumnType, TableSpec } from '../../engine/index.js';
import { DATA_STREAM_TIMESTAMP } from './index-mappings.js';

/** A cell the sink refuses before sending: Elasticsearch would store it as something else (NaN → null). */
export class CellRejection extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`field ${field}: ${detail}`);
  }
}

type CellEncoder = (value: Cell | undefined) => string;
/** True when `JSON.stringify` of the cell gives exactly what its {@link CellEncoder} gives. */
type PlainCheck = (value: Cell | undefined) => boolean;

/**
 * Builds the JSON text of a row's document: the declared columns (nothing else, so the `dynamic: strict`
 * mapping never sees an undeclared field; a missing one is null), plus `@timestamp` from
 * `timestampColumn` for a data stream. Values keep their JSON type; a string in a numeric column goes to
 * Elasticsearch as a string, and its mapping decides (a bad one is a per-document 400 that is
 * dead-lettered). A non-finite number (no JSON form) and a date that does not exist (which Elasticsearch
 * would silently roll over: 2024-02-30 → 2024-03-01) are a {@link CellRejection}.
 */
export function documentEncoder(spec: TableSpec, timestampColumn?: string): (row: Readonly<Record<string, Cell>>) => string {
  const parts = spec.columns.map((column, i) => {
    const days = calendarDays();
    return { name: column.name, prefix: `${i === 0 ? '{' : ','}${JSON.stringify(column.name)}:`, encode: cellEncoder(column.type, column.name, days), plain: plainCheck(column.type, days) };
  });
  const timestampType = spec.columns.find((c) => c.name === timestampColumn)?.type ?? 'timestamptz';
  const timestamp = timestampColumn === undefined ? undefined : { name: timestampColumn, prefix: `${parts.length === 0 ? '{' : ','}${JSON.stringify(DATA_STREAM_TIMESTAMP)}:`, encode: cellEncoder(timestampType, timestampColumn, calendarDays()) };
  const encodeByColumn = (row: Readonly<Record<string, Cell>>): string => {
    let json = '';
    for (const part of parts) json += part.prefix + part.encode(row[part.name]);
    if (timestamp !== undefined) {
      const value = row[timestamp.name];
      if (value === null || value === undefined) throw new CellRejection(timestamp.name, 'is null: a data stream document needs its @timestamp');
      json += timestamp.prefix + timestamp.encode(value);
    }
    return parts.length === 0 && timestamp === undefined ? '{}' : `${json}}`;
  };
  if (timestamp !== undefined) return encodeByColumn;
  const columnCount = parts.length;
  // The usual row holds exactly the declared columns with well-formed cells: the engine's native
  // JSON.stringify writes the same document in one go (a third of the time, far less garbage).
  return (row) => {
    for (let i = 0; i < columnCount; i++) {
      const part = parts[i]!;
      if (!part.plain(row[part.name])) return encodeByColumn(row);
    }
    let keys = 0;
    for (const _key in row) keys++;
    return keys === columnCount ? JSON.stringify(row) : encodeByColumn(row);
  };
}

/** Checks `YYYY-MM-DD` names a day that exists, remembering the last good one (a batch shares few days). */
function calendarDays(): (text: string) => boolean {
  let last = '';
  return (text) => {
    if (text === last) return true;
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (match === null) return false;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    const exists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    if (exists) last = text;
    return exists;
  };
}

function plainCheck(type: ColumnType, isDay: (text: string) => boolean): PlainCheck {
  switch (type) {
    case 'text':
      return (value) => typeof value === 'string' || value === null;
    case 'integer':
    case 'numeric':
    case 'timestamptz':
      return (value) => (typeof value === 'number' ? Number.isFinite(value) : value !== undefined);
    case 'boolean':
      return (value) => value !== undefined;
    case 'date':
      return (value) => (typeof value === 'string' ? isDay(value) : value !== undefined);
  }
}

function cellEncoder(type: ColumnType, field: string, isDay: (text: string) => boolean): CellEncoder {
  switch (type) {
    case 'text':
      return (value) => (value === null || value === undefined ? 'null' : JSON.stringify(typeof value === 'string' ? value : String(value)));
    case 'integer':
    case 'numeric':
    case 'timestamptz':
      return (value) => {
        if (typeof value === 'number') {
          if (Number.isFinite(value)) return String(value);
          throw new CellRejection(field, `${String(value)} has no JSON form (an Elasticsearch ${type === 'timestamptz' ? 'date' : 'number'} field cannot hold it)`);
        }
        return value === null || value === undefined ? 'null' : JSON.stringify(value);
      };
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? (value ? 'true' : 'false') : value === null || value === undefined ? 'null' : JSON.stringify(value));
    case 'date':
      return (value) => {
        if (value === null || value === undefined) return 'null';
        if (typeof value === 'string' && !isDay(value)) throw new CellRejection(field, `${JSON.stringify(value)} is not a calendar date YYYY-MM-DD (Elasticsearch would roll it over into another day)`);
        return JSON.stringify(value);
      };
  }
}
