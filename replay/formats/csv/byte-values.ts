import { DAY_MS, daysFromCivil, daysInMonth } from '../civil-time.js';

/**
 * Fast paths that read common values straight from bytes (ASCII digits are the same bytes in
 * UTF-8, Windows-1252 and Latin-1). Each returns NaN when the bytes are not in the common shape;
 * the caller then decodes the text and takes the general path, so these never decide validity alone.
 */

/** Exact powers of ten: a mantissa below 2^53 times or divided by one of these is correctly rounded. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A decimal number (`-12.5`, `481.23`, `1.81E+11`) with at most 15 significant digits, the range where
 * one IEEE multiply or divide by an exact power of ten gives the same double as `Number(text)`.
 */
export function numberFromBytes(buf: Buffer, start: number, end: number): number {
  let i = start;
  let negative = false;
  let c = buf[i];
  if (c === 45) {
    negative = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  while (i < end) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < end && buf[i] === 46) {
    i++;
    while (i < end) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      scale++;
      i++;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  let exponent = 0;
  if (i < end) {
    c = buf[i];
    if (c !== 69 && c !== 101) return NaN;
    i++;
    let expNegative = false;
    if (buf[i] === 45) {
      expNegative = true;
      i++;
    } else if (buf[i] === 43) {
      i++;
    }
    const expStart = i;
    while (i < end) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return NaN;
      exponent = exponent * 10 + d;
      i++;
      if (exponent > 400) return NaN;
    }
    if (i === expStart) return NaN;
    if (expNegative) exponent = -exponent;
  }
  const power = exponent - scale;
  let value: number;
  if (power === 0) value = mantissa;
  else if (power > 0 && power <= 22) value = mantissa * POW10[power]!;
  else if (power < 0 && power >= -22) value = mantissa / POW10[-power]!;
  else return NaN;
  return negative ? -value : value;
}

/** Two ASCII digits at `i` as a number, or -1. */
function two(buf: Buffer, i: number): number {
  const a = buf[i]! - 48;
  const b = buf[i + 1]! - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DD` at `start` as days since the epoch, or NaN. */
function daysAt(buf: Buffer, start: number): number {
  const hi = two(buf, start);
  const lo = two(buf, start + 2);
  const month = two(buf, start + 5);
  const day = two(buf, start + 8);
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || buf[start + 4] !== 45 || buf[start + 7] !== 45) return NaN;
  const year = hi * 100 + lo;
  if (day > daysInMonth(year, month)) return NaN;
  return daysFromCivil(year, month, day);
}

/**
 * `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]` as epoch milliseconds (fraction truncated to ms;
 * no zone = UTC). Anything else (zone abbreviations, no seconds, `+0000`) returns NaN.
 */
export function timestampFromBytes(buf: Buffer, start: number, end: number): number {
  if (end - start < 19) return NaN;
  const days = daysAt(buf, start);
  const sep = buf[start + 10];
  if (days !== days || (sep !== 84 && sep !== 32) || buf[start + 13] !== 58 || buf[start + 16] !== 58) return NaN;
  const hour = two(buf, start + 11);
  const minute = two(buf, start + 14);
  const second = two(buf, start + 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let i = start + 19;
  let millis = 0;
  if (i < end && buf[i] === 46) {
    i++;
    const fracStart = i;
    let scale = 100;
    while (i < end) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      millis += d * scale;
      scale = (scale / 10) | 0;
      i++;
    }
    if (i === fracStart) return NaN;
  }
  let offsetMinutes = 0;
  if (i < end) {
    const c = buf[i];
    if (c === 90) {
      i++;
    } else if ((c === 43 || c === 45) && end - i === 6 && buf[i + 3] === 58) {
      const oh = two(buf, i + 1);
      const om = two(buf, i + 4);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      offsetMinutes = (c === 45 ? -1 : 1) * (oh * 60 + om);
      i = end;
    } else {
      return NaN;
    }
  }
  if (i !== end) return NaN;
  return days * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

/** Exactly `YYYY-MM-DD` as epoch milliseconds of its 00:00 UTC, or NaN. */
export function dateFromBytes(buf: Buffer, start: number, end: number): number {
  if (end - start !== 10) return NaN;
  const days = daysAt(buf, start);
  return days * DAY_MS;
}
