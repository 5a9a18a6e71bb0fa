import type { Observable } from 'rxjs';
import { RecordError, type Row, type StreamBatch, type StreamRecord, type TopologyInputs } from '../../engine/index.js';

/** A field as trimmed text; undefined when absent or empty. */
export function optionalText(row: Row, field: string): string | undefined {
  const value = row[field];
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** A field as trimmed, non-empty text, or a `parse_error` naming the record's position and the field. */
export function requiredText(record: StreamRecord<Row>, field: string): string {
  const text = optionalText(record.value, field);
  if (text === undefined) throw new RecordError('parse_error', record.position, 'required value is missing', field);
  return text;
}

/**
 * A field as a finite number, or a `parse_error`. The file source already types declared fields;
 * this also accepts numeric text, so the same topology reads a Kafka topic whose values are strings.
 */
export function requiredNumber(record: StreamRecord<Row>, field: string): number {
  const value = record.value[field];
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw new RecordError('parse_error', record.position, `expected a number, got ${JSON.stringify(value ?? null)}`, field);
  return number;
}

/** A stream input by name; a missing one is a wiring bug of the caller, not bad data. */
export function streamInput(inputs: TopologyInputs, name: string): Observable<StreamBatch<Row>> {
  const stream = inputs.streams[name];
  if (stream === undefined) throw new Error(`stream input ${name} was not provided`);
  return stream;
}

/** A table input by name; a missing one is a wiring bug of the caller, not bad data. */
export function tableInput(inputs: TopologyInputs, name: string): readonly StreamRecord<Row>[] {
  const table = inputs.tables[name];
  if (table === undefined) throw new Error(`table input ${name} was not provided`);
  return table;
}

/**
 * Indexes a table input by a key field (as text, so `11` and `"11"` match); rows without a key cannot be
 * looked up and are left out. A later row with the same key replaces an earlier one (upsert).
 */
export function indexTable<U>(rows: readonly StreamRecord<Row>[], keyField: string, value: (row: Row) => U): Map<string, U> {
  const index = new Map<string, U>();
  for (const record of rows) {
    const key = optionalText(record.value, keyField);
    if (key !== undefined) index.set(key, value(record.value));
  }
  return index;
}

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date field as epoch ms (00:00 UTC), or null when empty. The file source delivers declared dates as
 * numbers already; `YYYY-MM-DD` text (a Kafka topic's JSON) is accepted too. Anything else is a `parse_error`.
 */
export function optionalDate(record: StreamRecord<Row>, field: string): number | null {
  const value = record.value[field];
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    const ms = DATE_TEXT.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  throw new RecordError('parse_error', record.position, `expected a date, got ${JSON.stringify(value)}`, field);
}

/** A number field, or null when empty; anything else is a `parse_error`. */
export function optionalNumber(record: StreamRecord<Row>, field: string): number | null {
  const value = record.value[field];
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return null;
  return requiredNumber(record, field);
}
