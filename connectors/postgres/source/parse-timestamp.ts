/**
 * Parses PostgreSQL's ISO text output of `timestamptz` (`2024-01-02 14:30:00.123456+05:30`) or
 * `timestamp` (no offset: read as UTC) into epoch milliseconds, the engine's timestamp cell. Digits
 * below the millisecond are dropped (the engine's cells are milliseconds). Returns undefined for
 * values that have no epoch milliseconds (`infinity`, `-infinity`, years past ±275760).
 */
export function parseTimestamp(text: string): number | undefined {
  return parseCommonTimestamp(text) ?? parseAnyTimestamp(text);
}

const ZERO = 48;

/** The digits of `text[start, start + count)` as a number; NaN when one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The shape every snapshot and change in a UTC session has (`YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM]]`,
 * years 0100–9999) read without a regular expression: the snapshot parses one per timestamp cell.
 * Undefined for anything else, which the general parser then reads.
 */
function parseCommonTimestamp(text: string): number | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // Date.UTC reads years 0–99 as 1900–1999; NaN fails the comparison too.
  if (!(year >= 100) || Number.isNaN(month + day + hour + minute + second)) return undefined;
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46 /* . */) {
    const start = ++at;
    while (at < length && at - start < 6 && text.charCodeAt(at) >= ZERO && text.charCodeAt(at) <= ZERO + 9) at++;
    const count = at - start;
    if (count === 0) return undefined;
    millis = digitsAt(text, start, Math.min(count, 3)) * (count === 1 ? 100 : count === 2 ? 10 : 1);
  }
  let offsetMinutes = 0;
  if (at < length) {
    const sign = text.charCodeAt(at);
    if (sign !== 43 && sign !== 45) return undefined;
    const hours = digitsAt(text, at + 1, 2);
    at += 3;
    let minutes = 0;
    if (at < length) {
      if (text.charCodeAt(at) !== 58 || at + 3 !== length) return undefined;
      minutes = digitsAt(text, at + 1, 2);
      at += 3;
    }
    if (at !== length || Number.isNaN(hours + minutes)) return undefined;
    offsetMinutes = (sign === 43 ? 1 : -1) * (hours * 60 + minutes);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function parseAnyTimestamp(text: string): number | undefined {
  const match = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om, os, bc] = match;
  let year = Number(y);
  if (bc !== undefined) year = 1 - year;
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), millis);
  let epoch = date.getTime();
  if (sign !== undefined) {
    const offsetSeconds = Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0);
    epoch -= (sign === '+' ? 1 : -1) * offsetSeconds * 1000;
  }
  return Number.isFinite(epoch) ? epoch : undefined;
}
