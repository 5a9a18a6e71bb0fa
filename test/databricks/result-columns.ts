import type { SparkValue } from '../services/index.js';
import { int64FromText, tcliTypes } from './driver-protocol.js';

/** How a Spark column type (its `simpleString()`) travels: its Thrift type id and the value family. */
export interface ColumnKind {
  readonly typeId: number;
  /** `TColumn` field of the column-based format. */
  readonly field: 'boolVal' | 'byteVal' | 'i16Val' | 'i32Val' | 'i64Val' | 'doubleVal' | 'stringVal' | 'binaryVal';
  readonly family: 'boolean' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'string' | 'binary' | 'timestamp' | 'date' | 'decimal' | 'json' | 'null';
  readonly precision?: number;
  readonly scale?: number;
}

const T = tcliTypes.TTypeId;

/** Maps a Spark type name (`bigint`, `decimal(10,2)`, `array<int>`…) to how it is sent. */
export function columnKind(sparkType: string): ColumnKind {
  const type = sparkType.toLowerCase();
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return { typeId: T['DECIMAL_TYPE']!, field: 'stringVal', family: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  if (type.startsWith('array<')) return { typeId: T['ARRAY_TYPE']!, field: 'stringVal', family: 'json' };
  if (type.startsWith('map<')) return { typeId: T['MAP_TYPE']!, field: 'stringVal', family: 'json' };
  if (type.startsWith('struct<')) return { typeId: T['STRUCT_TYPE']!, field: 'stringVal', family: 'json' };
  if (type.startsWith('varchar')) return { typeId: T['VARCHAR_TYPE']!, field: 'stringVal', family: 'string' };
  if (type.startsWith('char')) return { typeId: T['CHAR_TYPE']!, field: 'stringVal', family: 'string' };
  if (type.startsWith('interval')) return { typeId: T[type.includes('month') || type.includes('year') ? 'INTERVAL_YEAR_MONTH_TYPE' : 'INTERVAL_DAY_TIME_TYPE']!, field: 'stringVal', family: 'string' };
  switch (type) {
    case 'boolean':
      return { typeId: T['BOOLEAN_TYPE']!, field: 'boolVal', family: 'boolean' };
    case 'tinyint':
      return { typeId: T['TINYINT_TYPE']!, field: 'byteVal', family: 'int8' };
    case 'smallint':
      return { typeId: T['SMALLINT_TYPE']!, field: 'i16Val', family: 'int16' };
    case 'int':
      return { typeId: T['INT_TYPE']!, field: 'i32Val', family: 'int32' };
    case 'bigint':
      return { typeId: T['BIGINT_TYPE']!, field: 'i64Val', family: 'int64' };
    case 'float':
      return { typeId: T['FLOAT_TYPE']!, field: 'doubleVal', family: 'float32' };
    case 'double':
      return { typeId: T['DOUBLE_TYPE']!, field: 'doubleVal', family: 'float64' };
    case 'binary':
      return { typeId: T['BINARY_TYPE']!, field: 'binaryVal', family: 'binary' };
    case 'date':
      return { typeId: T['DATE_TYPE']!, field: 'stringVal', family: 'date' };
    case 'timestamp':
    case 'timestamp_ntz':
      return { typeId: T['TIMESTAMP_TYPE']!, field: 'stringVal', family: 'timestamp' };
    case 'void':
      return { typeId: T['NULL_TYPE']!, field: 'stringVal', family: 'null' };
    default:
      return { typeId: T['STRING_TYPE']!, field: 'stringVal', family: 'string' };
  }
}

/** The `TTableSchema` of a result: 1-based positions, decimal precision and scale as type qualifiers. */
export function tableSchema(columns: readonly { readonly name: string; readonly type: string }[]): object {
  return {
    columns: columns.map((column, i) => {
      const kind = columnKind(column.type);
      const qualifiers =
        kind.family === 'decimal' ? { typeQualifiers: { qualifiers: { precision: { i32Value: kind.precision }, scale: { i32Value: kind.scale } } } } : {};
      return { columnName: column.name, position: i + 1, comment: '', typeDesc: { types: [{ primitiveEntry: { type: kind.typeId, ...qualifiers } }] } };
    }),
  };
}

/**
 * One page of rows in the column-based format (`TRowSet.columns`), rendered as Spark's Thrift server renders
 * them: timestamps `yyyy-MM-dd HH:mm:ss[.ffffff]` in the session zone (UTC), dates `yyyy-MM-dd`, decimals as
 * text, complex values as JSON, BIGINT as exact i64. Nulls are a bitmap, bit i of byte i/8 set for row i.
 */
export function columnBasedColumns(columns: readonly { readonly type: string }[], rows: readonly (readonly SparkValue[])[]): object[] {
  return columns.map((column, c) => {
    const kind = columnKind(column.type);
    const nulls = Buffer.alloc(Math.ceil(rows.length / 8));
    const values = rows.map((row, r) => {
      const value = row[c] ?? null;
      if (value === null) {
        nulls[r >> 3]! |= 1 << (r & 7);
        return placeholder(kind);
      }
      return columnValue(kind, value);
    });
    return { [kind.field]: { values, nulls } };
  });
}

function placeholder(kind: ColumnKind): unknown {
  switch (kind.field) {
    case 'boolVal':
      return false;
    case 'i64Val':
      return int64FromText('0');
    case 'byteVal':
    case 'i16Val':
    case 'i32Val':
    case 'doubleVal':
      return 0;
    case 'binaryVal':
      return Buffer.alloc(0);
    case 'stringVal':
      return '';
  }
}

function columnValue(kind: ColumnKind, value: SparkValue): unknown {
  switch (kind.family) {
    case 'boolean':
      return value === true;
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(value);
    case 'int64':
      return int64FromText(String(value));
    case 'float32':
    case 'float64':
      return sparkDouble(value);
    case 'binary':
      return Buffer.from(String(value), 'base64');
    case 'timestamp':
      return timestampText(String(value));
    case 'json':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

/** The worker sends NaN and infinities as text (`nan`, `inf`, `-inf`). */
export function sparkDouble(value: SparkValue): number {
  if (typeof value === 'number') return value;
  const text = String(value).toLowerCase();
  if (text === 'nan') return Number.NaN;
  if (text === 'inf' || text === 'infinity') return Infinity;
  if (text === '-inf' || text === '-infinity') return -Infinity;
  return Number(text);
}

/** `2024-01-02T14:30:00.123000Z` (the worker) → `2024-01-02 14:30:00.123` (Spark's Thrift server). */
function timestampText(iso: string): string {
  const [date, time = '00:00:00'] = iso.replace(/Z$/, '').split('T');
  const [clock, fraction = ''] = time.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${date} ${clock}${trimmed === '' ? '' : `.${trimmed}`}`;
}

/** Microseconds since the epoch of the worker's ISO timestamp, exactly. */
export function timestampMicros(iso: string): bigint {
  const match = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/.exec(iso);
  if (match === null) throw new Error(`unexpected timestamp from the worker: ${iso}`);
  const date = new Date(0);
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  date.setUTCHours(Number(match[4]), Number(match[5]), Number(match[6]), 0);
  const micros = BigInt((match[7] ?? '').padEnd(6, '0').slice(0, 6));
  return BigInt(date.getTime()) * 1_000n + micros;
}

/** Days since the epoch of `yyyy-MM-dd`. */
export function epochDays(text: string): number {
  const [year, month, day] = text.split('-').map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  return Math.round(date.getTime() / 86_400_000);
}

/** The unscaled integer of a decimal's text at `scale` (`'12.5'`, scale 2 → 1250n; `'1E-7'` works too). */
export function unscaledDecimal(text: string, scale: number): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) throw new Error(`unexpected decimal from the worker: ${text}`);
  const digits = `${match[2] ?? ''}${match[3] ?? ''}` || '0';
  const exponent = Number(match[4] ?? 0) - (match[3]?.length ?? 0) + scale;
  const unscaled = exponent >= 0 ? BigInt(digits) * 10n ** BigInt(exponent) : BigInt(digits) / 10n ** BigInt(-exponent);
  return match[1] === '-' ? -unscaled : unscaled;
}
