import { formatDuration } from './format-duration.js';
import type { Window, WindowAssigner } from './window.js';

/** UTC calendar units for calendar-aligned windows (ISO weeks start on Monday 00:00 UTC). */
export type CalendarUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: the ISO week holding the epoch started on Monday 1969-12-29. */
const ISO_WEEK_OFFSET_MS = -3 * DAY_MS;

/** Modulo that is never negative, so pre-1970 (negative) event times floor instead of truncating. */
function floorMod(value: number, modulus: number): number {
  const r = value % modulus;
  return r < 0 ? r + modulus : r;
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer number of milliseconds, got ${value}`);
}

function requireInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer number of milliseconds, got ${value}`);
}

/**
 * A fixed assigner giving one window per event time. The last answer is cached: records arrive
 * mostly in time order, so most calls return the same (immutable) array without allocating, and
 * the window operator can recognise the window by identity.
 */
function singleWindowAssigner(describe: string, windowOf: (eventTime: number) => Window): WindowAssigner {
  let cached: readonly Window[] = [];
  let cachedStart = Number.POSITIVE_INFINITY;
  let cachedEnd = Number.NEGATIVE_INFINITY;
  return {
    kind: 'fixed',
    describe,
    assign(eventTime) {
      if (eventTime >= cachedStart && eventTime < cachedEnd) return cached;
      const window = windowOf(eventTime);
      cached = [window];
      cachedStart = window.start;
      cachedEnd = window.end;
      return cached;
    },
  };
}

/** Fixed-length windows aligned to the Unix epoch (plus `offsetMs`). */
export function tumbling(sizeMs: number, offsetMs = 0): WindowAssigner {
  requirePositiveInteger('tumbling window size', sizeMs);
  requireInteger('tumbling window offset', offsetMs);
  const describe = offsetMs === 0 ? `tumbling(${formatDuration(sizeMs)})` : `tumbling(${formatDuration(sizeMs)}, offset ${formatDuration(offsetMs)})`;
  return singleWindowAssigner(describe, (eventTime) => {
    const start = eventTime - floorMod(eventTime - offsetMs, sizeMs);
    return { start, end: start + sizeMs };
  });
}

/**
 * Overlapping windows of `sizeMs`, one starting every `slideMs` (sliding windows), aligned to the
 * epoch plus `offsetMs`. Windows come in ascending start order. `slideMs` may not exceed `sizeMs`:
 * a larger slide would leave gaps whose records belong to no window (a silent drop).
 */
export function hopping(sizeMs: number, slideMs: number, offsetMs = 0): WindowAssigner {
  requirePositiveInteger('hopping window size', sizeMs);
  requirePositiveInteger('hopping window slide', slideMs);
  requireInteger('hopping window offset', offsetMs);
  if (slideMs > sizeMs) throw new RangeError(`hopping window slide (${slideMs} ms) must not exceed its size (${sizeMs} ms)`);
  // The set of windows changes only where a window starts or ends: cache it over that interval.
  let cached: readonly Window[] = [];
  let validFrom = Number.POSITIVE_INFINITY;
  let validTo = Number.NEGATIVE_INFINITY;
  return {
    kind: 'fixed',
    describe: `hopping(${formatDuration(sizeMs)}, ${formatDuration(slideMs)})`,
    assign(eventTime) {
      if (eventTime >= validFrom && eventTime < validTo) return cached;
      const lastStart = eventTime - floorMod(eventTime - offsetMs, slideMs);
      let first = lastStart;
      while (first - slideMs + sizeMs > eventTime) first -= slideMs;
      const windows: Window[] = [];
      for (let start = first; start <= lastStart; start += slideMs) windows.push({ start, end: start + sizeMs });
      cached = windows;
      validFrom = Math.max(lastStart, first - slideMs + sizeMs);
      validTo = Math.min(lastStart + slideMs, first + sizeMs);
      return cached;
    },
  };
}

/**
 * Session windows: records of one key closer than `gapMs` in event time share a window. Each record
 * gets the proto-window `[t, t + gapMs)`; the window operator merges overlapping ones per key, so a
 * session ends `gapMs` after its last record.
 */
export function session(gapMs: number): WindowAssigner {
  requirePositiveInteger('session gap', gapMs);
  return {
    kind: 'session',
    describe: `session(${formatDuration(gapMs)})`,
    assign(eventTime) {
      return [{ start: eventTime, end: eventTime + gapMs }];
    },
  };
}

/** Epoch ms of the first day of a UTC month; `month` may overflow into the next years. */
function monthStart(year: number, month: number): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month, 1);
  return date.getTime();
}

function monthsWindow(eventTime: number, months: number): Window {
  const date = new Date(eventTime);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() - (date.getUTCMonth() % months);
  return { start: monthStart(year, month), end: monthStart(year, month + months) };
}

/** Calendar-aligned UTC windows: day, ISO week (Monday 00:00 UTC), month, quarter, year. */
export function calendar(unit: CalendarUnit): WindowAssigner {
  const describe = `calendar(${unit})`;
  switch (unit) {
    case 'day':
      return singleWindowAssigner(describe, (eventTime) => {
        const start = eventTime - floorMod(eventTime, DAY_MS);
        return { start, end: start + DAY_MS };
      });
    case 'week':
      return singleWindowAssigner(describe, (eventTime) => {
        const start = eventTime - floorMod(eventTime - ISO_WEEK_OFFSET_MS, WEEK_MS);
        return { start, end: start + WEEK_MS };
      });
    case 'month':
      return singleWindowAssigner(describe, (eventTime) => monthsWindow(eventTime, 1));
    case 'quarter':
      return singleWindowAssigner(describe, (eventTime) => monthsWindow(eventTime, 3));
    case 'year':
      return singleWindowAssigner(describe, (eventTime) => monthsWindow(eventTime, 12));
    default:
      throw new RangeError(`unknown calendar unit ${String(unit satisfies never)}`);
  }
}
