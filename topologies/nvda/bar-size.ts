import { calendar, tumbling, type WindowAssigner } from '../../engine/index.js';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

const BAR_OPTION = /^([1-9]\d*)(s|m|h|d|w|mo)$/;

/** Why a `--bar` value is unusable, or undefined when it is fine. */
export function validateBarOption(value: string): string | undefined {
  const m = BAR_OPTION.exec(value);
  if (m === null) return `bar must be <n>s, <n>m, <n>h, <n>d, 1w or 1mo (e.g. 1m, 5m, 1h, 1d, 1w, 1mo), got "${value}"`;
  if ((m[2] === 'w' || m[2] === 'mo') && m[1] !== '1') return `bar: weeks and months come only as 1w (ISO week) and 1mo (calendar month), got "${value}"`;
  return undefined;
}

/**
 * The window assigner of a `--bar` value: seconds, minutes and hours (and days beyond one) align to
 * the Unix epoch; `1d` is the UTC calendar day, `1w` the ISO week (Monday 00:00 UTC), `1mo` the
 * calendar month. Call only with a value `validateBarOption` accepted.
 */
export function barAssigner(value: string): WindowAssigner {
  const m = BAR_OPTION.exec(value);
  if (m === null) throw new RangeError(validateBarOption(value));
  const n = Number(m[1]);
  switch (m[2]) {
    case 's':
      return tumbling(n * SECOND_MS);
    case 'm':
      return tumbling(n * MINUTE_MS);
    case 'h':
      return tumbling(n * HOUR_MS);
    case 'd':
      return n === 1 ? calendar('day') : tumbling(n * DAY_MS);
    case 'w':
      return calendar('week');
    default:
      return calendar('month');
  }
}

/**
 * The bar size matching an input's own period (the smallest positive gap between its bars): a week
 * is the ISO week (weekly Yahoo bars are dated Mondays), 28–31 days a calendar month, a day the UTC
 * day; any other period is an epoch-aligned tumbling window of that length.
 */
export function periodAssigner(periodMs: number): WindowAssigner {
  if (periodMs === DAY_MS) return calendar('day');
  if (periodMs === WEEK_MS) return calendar('week');
  if (periodMs >= 28 * DAY_MS && periodMs <= 31 * DAY_MS) return calendar('month');
  return tumbling(periodMs);
}

/** The default bar size of tick input. */
export const TICK_BAR_MS = MINUTE_MS;

/** Bar size used when bar input has no two distinct timestamps to measure a period from. */
export const FALLBACK_BAR_PERIOD_MS = DAY_MS;
