import { DAY_MS, daysFromCivil, isValidDateTime } from './civil-time.js';

/**
 * The general (text) path of typed parsing, shared by every format. The CSV reader tries its byte
 * fast paths first and falls back here for anything unusual; JSON and Avro values come here directly.
 * Each function returns `undefined` when the text is not a valid value of its type.
 */

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Decimal numbers with optional sign, fraction and exponent (`1.81E+11`); no hex, no `Infinity`. */
export function parseNumberText(text: string): number | undefined {
  if (!NUMBER_TEXT.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A number that is a safe integer (`42`, `-7`, `21000.00`, `1E+3`). */
export function parseIntegerText(text: string): number | undefined {
  const value = parseNumberText(text);
  return value !== undefined && Number.isSafeInteger(value) ? value : undefined;
}

const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true], ['t', true], ['yes', true], ['y', true], ['1', true],
  ['false', false], ['f', false], ['no', false], ['n', false], ['0', false],
]);

/** `true/false`, `t/f`, `yes/no`, `y/n`, `1/0`, in any letter case. */
export function parseBooleanText(text: string): boolean | undefined {
  return BOOLEANS.get(text.toLowerCase());
}

/** Offsets in minutes east of UTC for the US zone abbreviations found in market data. */
const ZONE_OFFSETS: Readonly<Record<string, number>> = {
  Z: 0, UTC: 0, GMT: 0, UT: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz]|[A-Za-z]{2,4})|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * ISO-8601 date-times with `T` or a space, optional seconds and fraction (truncated to ms), and a zone:
 * `Z`, `±HH:MM`, `±HHMM`, `±HH`, `UTC`/`GMT`, or a US abbreviation (EST/EDT/CST/CDT/MST/MDT/PST/PDT).
 * No zone means UTC. A date alone is its 00:00 UTC. Returns epoch milliseconds.
 */
export function parseTimestampText(text: string): number | undefined {
  const m = TIMESTAMP_TEXT.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!isValidDateTime(year, month, day, hour, minute, second)) return undefined;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const zone = ZONE_OFFSETS[m[8].toUpperCase()];
    if (zone === undefined) return undefined;
    offsetMinutes = zone;
  } else if (m[9] !== undefined) {
    const hours = Number(m[10]);
    const minutes = m[11] === undefined ? 0 : Number(m[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date `YYYY-MM-DD`, or a timestamp at exactly 00:00 UTC; returns that midnight in epoch ms. */
export function parseDateText(text: string): number | undefined {
  const m = DATE_TEXT.exec(text);
  if (m !== null) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    return isValidDateTime(year, month, day, 0, 0, 0) ? daysFromCivil(year, month, day) * DAY_MS : undefined;
  }
  const instant = parseTimestampText(text);
  return instant !== undefined && instant % DAY_MS === 0 ? instant : undefined;
}
