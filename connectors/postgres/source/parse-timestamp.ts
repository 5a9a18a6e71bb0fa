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

/** The two digits at `at` as a number; NaN when one is not a digit. */
function twoDigitsAt(text: string, at: number): number {
  const tens = text.charCodeAt(at) - ZERO;
  const ones = text.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : NaN;
}

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
 * years 0100–9999) read without a regular expression: the snapshot parses one per timestamp cell, from
 * `text[start, end)` (a field of a COPY page, not sliced out). Undefined for anything else, which the
 * general parser then reads.
 */
export function parseCommonTimestamp(text: string, start = 0, end = text.length): number | undefined {
  const length = end - start;
  const b = start;
  if (length < 19 || text.charCodeAt(b + 4) !== 45 || text.charCodeAt(b + 7) !== 45 || text.charCodeAt(b + 10) !== 32 || text.charCodeAt(b + 13) !== 58 || text.charCodeAt(b + 16) !== 58) return undefined;
  const year = twoDigitsAt(text, b) * 100 + twoDigitsAt(text, b + 2);
  const month = twoDigitsAt(text, b + 5);
  const day = twoDigitsAt(text, b + 8);
  const hour = twoDigitsAt(text, b + 11);
  const minute = twoDigitsAt(text, b + 14);
  const second = twoDigitsAt(text, b + 17);
  // Date.UTC reads years 0–99 as 1900–1999; NaN fails the comparison too.
  if (!(year >= 100) || Number.isNaN(month + day + hour + minute + second)) return undefined;
  let at = b + 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46 /* . */ && at < end) {
    const digits = ++at;
    while (at < end && at - digits < 6 && text.charCodeAt(at) >= ZERO && text.charCodeAt(at) <= ZERO + 9) at++;
    const count = at - digits;
    if (count === 0) return undefined;
    millis = digitsAt(text, digits, Math.min(count, 3)) * (count === 1 ? 100 : count === 2 ? 10 : 1);
  }
  let offsetMinutes = 0;
  if (at < end) {
    const sign = text.charCodeAt(at);
    if (sign !== 43 && sign !== 45) return undefined;
    const hours = at + 3 <= end ? digitsAt(text, at + 1, 2) : NaN;
    at += 3;
    let minutes = 0;
    if (at < end) {
      if (text.charCodeAt(at) !== 58 || at + 3 !== end) return undefined;
      minutes = digitsAt(text, at + 1, 2);
      at += 3;
    }
    if (at !== end || Number.isNaN(hours + minutes)) return undefined;
    offsetMinutes = (sign === 43 ? 1 : -1) * (hours * 60 + minutes);
  }
  return dayStart(year, month, day) + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

// Date.UTC(y, m, d, h, mi, s, ms) is Date.UTC(y, m, d) plus the time of day in ms (MakeDate adds them),
// and rows read in key order share their day: the day's start is computed once per day.
let cachedYear = NaN;
let cachedMonth = NaN;
let cachedDay = NaN;
let cachedStart = NaN;

function dayStart(year: number, month: number, day: number): number {
  if (day !== cachedDay || month !== cachedMonth || year !== cachedYear) {
    cachedStart = Date.UTC(year, month - 1, day);
    cachedYear = year;
    cachedMonth = month;
    cachedDay = day;
  }
  return cachedStart;
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
