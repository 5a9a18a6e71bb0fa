import { type Cell, type FieldType, type ReadOptions, type Row } from '../../engine/index.js';
import { formatUtcDate } from './civil-time.js';
import { parseBooleanText, parseDateText, parseIntegerText, parseNumberText, parseTimestampText } from './parse-text.js';

/** A structured value (from JSON or Avro) turned into a typed row, or the reason it cannot be. */
export type ValueRowResult =
  | { readonly ok: true; readonly row: Row; readonly eventTime: number; readonly key: string | undefined }
  | { readonly ok: false; readonly field: string | undefined; readonly detail: string };

/**
 * Types the fields of structured records (JSON objects, Avro records) per `ReadOptions`: declared
 * fields are converted (numbers may arrive as text, timestamps as text or epoch ms); other fields
 * keep scalar values as they are and become JSON text when nested.
 */
export class ValueRowBuilder {
  private readonly fields: readonly { readonly name: string; readonly type: FieldType; readonly required: boolean }[];
  private readonly nullTokens: ReadonlySet<string>;
  private readonly eventTimeType: FieldType | undefined;

  constructor(private readonly options: ReadOptions) {
    const fields = (options.fields ?? []).map((f) => ({ name: f.name, type: f.type, required: f.required === true }));
    const eventTime = options.eventTime;
    if (eventTime !== undefined && !fields.some((f) => f.name === eventTime)) fields.push({ name: eventTime, type: 'timestamp', required: false });
    this.fields = fields;
    this.eventTimeType = fields.find((f) => f.name === eventTime)?.type;
    this.nullTokens = new Set(options.nullTokens ?? ['']);
  }

  build(input: unknown): ValueRowResult {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, field: undefined, detail: 'expected an object (one record per line)' };
    }
    const source = input as Readonly<Record<string, unknown>>;
    const row: Record<string, Cell> = {};
    for (const [name, value] of Object.entries(source)) row[name] = plainCell(value);
    for (const field of this.fields) {
      const raw = source[field.name];
      const converted = convertValue(raw, field.type, this.nullTokens);
      if (converted === undefined) return { ok: false, field: field.name, detail: `cannot parse ${describe(raw)} as ${field.type}` };
      if (converted === null && field.required) return { ok: false, field: field.name, detail: `required ${field.type} is missing` };
      row[field.name] = converted;
    }
    let eventTime = 0;
    const eventField = this.options.eventTime;
    if (eventField !== undefined) {
      const value = row[eventField];
      if (value === null || value === undefined) return { ok: false, field: eventField, detail: 'event time is missing' };
      eventTime = this.eventTimeType === 'date' ? (parseDateText(String(value)) ?? 0) : (value as number);
    }
    const keyValue = this.options.key === undefined ? undefined : row[this.options.key];
    return { ok: true, row, eventTime, key: keyValue === null || keyValue === undefined ? undefined : String(keyValue) };
  }
}

/** Undeclared values: scalars as they are, bytes as base64, anything nested as JSON text. */
function plainCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    default:
      if (Buffer.isBuffer(value)) return value.toString('base64');
      if (value instanceof Date) return value.getTime();
      return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? Number(inner) : inner));
  }
}

/** Converts one declared value: `null` for missing, `undefined` when it cannot be read as the type. */
function convertValue(value: unknown, type: FieldType, nullTokens: ReadonlySet<string>): Cell | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (nullTokens.has(value.trim())) return null;
    const text = value.trim();
    switch (type) {
      case 'string': return value;
      case 'number': return parseNumberText(text);
      case 'integer': return parseIntegerText(text);
      case 'boolean': return parseBooleanText(text);
      case 'timestamp': return parseTimestampText(text);
      case 'date': {
        const ms = parseDateText(text);
        return ms === undefined ? undefined : formatUtcDate(ms);
      }
    }
  }
  const number = typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.getTime() : value;
  switch (type) {
    case 'string':
      return plainCell(value);
    case 'number':
      return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
    case 'integer':
      return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 1 ? true : value === 0 ? false : undefined;
    case 'timestamp':
      return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
    case 'date':
      return typeof number === 'number' && Number.isFinite(number) ? formatUtcDate(number) : undefined;
  }
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(plainCell(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
