import type { WindowAssigner } from './window.js';

/** UTC calendar units for calendar-aligned windows (ISO weeks start on Monday 00:00 UTC). */
export type CalendarUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** Fixed-length windows aligned to the Unix epoch (plus `offsetMs`). */
export function tumbling(sizeMs: number, offsetMs = 0): WindowAssigner {
  void sizeMs; void offsetMs;
  throw new Error('not implemented yet');
}

/** Overlapping windows of `sizeMs`, one starting every `slideMs` (sliding windows). */
export function hopping(sizeMs: number, slideMs: number): WindowAssigner {
  void sizeMs; void slideMs;
  throw new Error('not implemented yet');
}

/** Session windows: records closer than `gapMs` in event time (per key) share a window. */
export function session(gapMs: number): WindowAssigner {
  void gapMs;
  throw new Error('not implemented yet');
}

/** Calendar-aligned UTC windows: day, ISO week, month, quarter, year. */
export function calendar(unit: CalendarUnit): WindowAssigner {
  void unit;
  throw new Error('not implemented yet');
}
