/**
 * Parses PostgreSQL's ISO text output of `timestamptz` (`2024-01-02 14:30:00.123456+05:30`) or
 * `timestamp` (no offset: read as UTC) into epoch milliseconds, the engine's timestamp cell. Digits
 * below the millisecond are dropped (the engine's cells are milliseconds). Returns undefined for
 * values that have no epoch milliseconds (`infinity`, `-infinity`, years past ±275760).
 */
export function parseTimestamp(text: string): number | undefined {
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
