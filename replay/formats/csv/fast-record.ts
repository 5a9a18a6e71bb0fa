import type { Row, StreamRecord } from '../../../engine/index.js';
import { DAY_MS, daysFromCivil, daysInMonth } from '../civil-time.js';
import { T_DATE, T_INTEGER, T_NUMBER, T_STRING, T_TIMESTAMP, type RowSchema } from '../row-schema.js';
import { END } from './scan-end.js';
import type { StringInterner } from './string-interner.js';

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];


/** The fast path's signature: parse the record at `p`, push it, return the next record's start or -1. */
export type FastRecordParser = (buf: Buffer, p: number, limit: number, line: number, out: StreamRecord<Row>[]) => number;

/** Settings the fast path depends on. */
export interface FastPathSettings {
  readonly trim: boolean;
  /** The empty value reads as null (the default null token). */
  readonly nullEmpty: boolean;
  /** The file's base name: source and partition of positions. */
  readonly source: string;
}

/**
 * The hot path for plain records: a parser generated for one file's schema that reads each field
 * as its declared type while scanning (numbers and timestamps never become text), keeps values in
 * locals and builds the row as one object literal. It handles only the common shape (no quotes, no
 * padding, LF or CRLF, no null token but the empty value, every field valid) and declines anything
 * else by returning -1 before any side effect but interning, so the general parser handles that
 * record and decides its errors. Both paths must give identical rows; tests run crafted inputs
 * through both. Generated code is used because a per-column loop with a type switch and an
 * intermediate value array measured about 1.5× slower; column names enter it only through
 * JSON.stringify, so no header text is evaluated.
 *
 * Reads are bounded by a sentinel: `limit` is the index of an LF at or after the record's end, and
 * no scan here passes an LF.
 */
export function compileFastRecordParser(schema: RowSchema, interners: readonly (StringInterner | undefined)[], settings: FastPathSettings): FastRecordParser {
  const n = schema.columns.length;
  const lines: string[] = ['let c = 0, q = 0, next = -1;', 'if (buf[p] === 10 || buf[p] === 13) return -1;'];
  for (let i = 0; i < n; i++) {
    const type = schema.types[i]!;
    const emptyAllowed = settings.nullEmpty && schema.required[i] === 0 && i !== schema.eventTimeColumn;
    lines.push(`let v${i} = null, m${i} = NaN;`);
    lines.push('c = buf[p];');
    lines.push('if (c === 34 || c === 32 || c === 9) return -1;');
    lines.push(`if (c === 44 || c === 10 || c === 13) { ${emptyAllowed ? 'q = p;' : 'return -1;'} } else {`);
    switch (type) {
      case T_STRING:
        lines.push(`v${i} = I[${i}].scan(buf, p); q = E[0];`);
        if (settings.trim) lines.push('c = buf[q - 1]; if (c === 32 || c === 9) return -1;');
        break;
      case T_NUMBER:
        lines.push(`v${i} = scanNumber(buf, p); if (v${i} !== v${i}) return -1; q = E[0];`);
        break;
      case T_INTEGER:
        lines.push(`v${i} = scanNumber(buf, p); if (!Number.isSafeInteger(v${i})) return -1; q = E[0];`);
        break;
      case T_TIMESTAMP:
        lines.push(`if (p + 19 > limit) return -1; m${i} = scanTimestamp(buf, p); if (m${i} !== m${i}) return -1; v${i} = m${i}; q = E[0];`);
        break;
      case T_DATE:
        lines.push(`if (p + 10 > limit) return -1; m${i} = scanDate(buf, p); if (m${i} !== m${i}) return -1; q = p + 10; v${i} = I[${i}].get(buf, p, q);`);
        break;
      default:
        lines.push('return -1;');
    }
    lines.push('}');
    lines.push('c = buf[q];');
    if (i < n - 1) lines.push('if (c !== 44) return -1; p = q + 1;');
    else lines.push('if (c === 10) next = q + 1; else if (c === 13 && buf[q + 1] === 10) next = q + 2; else return -1;');
  }
  const row = `{${schema.columns.map((name, i) => `${JSON.stringify(name)}: v${i}`).join(', ')}}`;
  const eventTime = schema.eventTimeColumn < 0 ? '0' : `m${schema.eventTimeColumn}`;
  const k = schema.keyColumn;
  const key = k < 0 ? 'undefined' : schema.types[k] === T_STRING || schema.types[k] === T_DATE ? `(v${k} === null ? undefined : v${k})` : `(v${k} === null ? undefined : String(v${k}))`;
  lines.push(`out.push({ value: ${row}, eventTime: ${eventTime}, key: ${key}, position: { source: S, partition: S, offset: line } });`);
  lines.push('return next;');
  const factory = new Function('I', 'E', 'S', 'scanNumber', 'scanTimestamp', 'scanDate', `return function fastRecord(buf, p, limit, line, out) {\n${lines.join('\n')}\n};`) as (
    i: readonly (StringInterner | undefined)[], e: Int32Array, s: string, sn: typeof scanNumber, st: typeof scanTimestamp, sd: typeof scanDate,
  ) => FastRecordParser;
  return factory(interners, END, settings.source, scanNumber, scanTimestamp, scanDate);
}

/** A decimal number starting at `p` (≤ 15 significant digits), or NaN; `cursor` = first byte after it. */
function scanNumber(buf: Buffer, p: number): number {
  let i = p;
  let c = buf[i]!;
  let negative = false;
  if (c === 45) {
    negative = true;
    c = buf[++i]!;
  } else if (c === 43) {
    c = buf[++i]!;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    c = buf[++i]!;
  }
  if (c === 46) {
    c = buf[++i]!;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      scale++;
      c = buf[++i]!;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  let exponent = 0;
  if (c === 69 || c === 101) {
    c = buf[++i]!;
    let expNegative = false;
    if (c === 45) {
      expNegative = true;
      c = buf[++i]!;
    } else if (c === 43) {
      c = buf[++i]!;
    }
    if (c < 48 || c > 57) return NaN;
    while (c >= 48 && c <= 57) {
      exponent = exponent * 10 + (c - 48);
      if (exponent > 400) return NaN;
      c = buf[++i]!;
    }
    if (expNegative) exponent = -exponent;
  }
  END[0] = i;
  const power = exponent - scale;
  let value: number;
  if (power === 0) value = mantissa;
  else if (power > 0 && power <= 22) value = mantissa * POW10[power]!;
  else if (power < 0 && power >= -22) value = mantissa / POW10[-power]!;
  else return NaN;
  return negative ? -value : value;
}

/** The first 16 bytes (`YYYY-MM-DDTHH:MM`) of the previous fast-path timestamp and their instant. */
const TS_KEY = new Uint8Array(16);
let tsBase = NaN;

function sameDate(buf: Buffer, p: number, key: Uint8Array): boolean {
  for (let k = 0; k < 11; k++) if (buf[p + k] !== key[k]) return false;
  return buf[p + 13] === key[13];
}

function digit2(buf: Buffer, i: number): number {
  const a = buf[i]! - 48;
  const b = buf[i + 1]! - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DD` at `p` as epoch ms of its 00:00 UTC, or NaN (the caller checked 10 bytes are there). */
function scanDate(buf: Buffer, p: number): number {
  const hi = digit2(buf, p);
  const lo = digit2(buf, p + 2);
  const month = digit2(buf, p + 5);
  const day = digit2(buf, p + 8);
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || buf[p + 4] !== 45 || buf[p + 7] !== 45) return NaN;
  const year = hi * 100 + lo;
  if (day > daysInMonth(year, month)) return NaN;
  return daysFromCivil(year, month, day) * DAY_MS;
}

/**
 * `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]` at `p` as epoch ms, or NaN; `cursor` = first byte after.
 * The caller checked 19 bytes are there.
 */
function scanTimestamp(buf: Buffer, p: number): number {
  // Consecutive timestamps mostly share date, hour and minute: compare those 16 bytes with the
  // previous ones (minute digits first, they change most) and parse only what differs.
  let base: number;
  const key = TS_KEY;
  if (buf[p + 15] === key[15] && buf[p + 14] === key[14] && buf[p + 12] === key[12] && buf[p + 11] === key[11] && sameDate(buf, p, key)) {
    base = tsBase;
  } else {
    const date = scanDate(buf, p);
    const sep = buf[p + 10];
    if (date !== date || (sep !== 84 && sep !== 32) || buf[p + 13] !== 58) return NaN;
    const hour = digit2(buf, p + 11);
    const minute = digit2(buf, p + 14);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
    base = date + (hour * 60 + minute) * 60_000;
    for (let k = 0; k < 16; k++) key[k] = buf[p + k]!;
    tsBase = base;
  }
  if (buf[p + 16] !== 58) return NaN;
  const second = digit2(buf, p + 17);
  if (second < 0 || second > 59) return NaN;
  let i = p + 19;
  let c = buf[i]!;
  let millis = 0;
  if (c === 46) {
    c = buf[++i]!;
    if (c < 48 || c > 57) return NaN;
    let scale = 100;
    while (c >= 48 && c <= 57) {
      millis += (c - 48) * scale;
      scale = (scale / 10) | 0;
      c = buf[++i]!;
    }
  }
  let offsetMinutes = 0;
  if (c === 90) {
    i++;
  } else if (c === 43 || c === 45) {
    const oh = digit2(buf, i + 1);
    if (oh < 0 || oh > 23 || buf[i + 3] !== 58) return NaN;
    const om = digit2(buf, i + 4);
    if (om < 0 || om > 59) return NaN;
    offsetMinutes = (c === 45 ? -1 : 1) * (oh * 60 + om);
    i += 6;
  }
  END[0] = i;
  return base + (second - offsetMinutes * 60) * 1000 + millis;
}
