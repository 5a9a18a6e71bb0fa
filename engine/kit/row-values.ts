import { RecordError } from '../errors.js';
import type { Row } from '../input.js';
import type { StreamRecord } from '../record.js';

/**
 * A field as trimmed text; undefined when absent, null or empty after trimming. Non-text values are
 * rendered with `String` (`11` → `'11'`), so ids typed as numbers by one source and text by another match.
 */
export function optionalText(row: Row, field: string): string | undefined {
  const value = row[field];
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** A field as trimmed, non-empty text; throws a `parse_error` `RecordError` naming the record's position and the field. */
export function requiredText(record: StreamRecord<Row>, field: string): string {
  const text = optionalText(record.value, field);
  if (text === undefined) throw new RecordError('parse_error', record.position, 'required value is missing', field);
  return text;
}

/**
 * A field as a finite number; anything else (missing, empty, non-numeric text, NaN, ±Infinity) throws a
 * `parse_error` `RecordError`. The file source already types declared fields; numeric text is accepted
 * too, so the same topology reads a Kafka topic whose values are strings.
 */
export function requiredNumber(record: StreamRecord<Row>, field: string): number {
  const value = record.value[field];
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw new RecordError('parse_error', record.position, `expected a number, got ${JSON.stringify(value ?? null)}`, field);
  return number;
}

/** A number field as `requiredNumber` reads it, or null when absent, null or blank text. */
export function optionalNumber(record: StreamRecord<Row>, field: string): number | null {
  const value = record.value[field];
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return null;
  return requiredNumber(record, field);
}

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date field as epoch ms (00:00 UTC), or null when absent, null or blank. The file source delivers
 * declared dates as numbers already; `YYYY-MM-DD` text (a Kafka topic's JSON) is accepted too. Anything
 * else throws a `parse_error` `RecordError`.
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
