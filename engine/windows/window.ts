/** A window of event time, `[start, end)` in epoch milliseconds. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/**
 * Assigns an event time to the windows it belongs to. Fixed assigners (tumbling, hopping, calendar)
 * return windows that never change; a session assigner returns a proto-window `[t, t + gap)` that the
 * window operator merges with overlapping ones.
 */
export interface WindowAssigner {
  readonly kind: 'fixed' | 'session';
  /** A short description for logs and DAGs, e.g. `tumbling(1m)`, `calendar(month)`, `session(30m)`. */
  readonly describe: string;
  assign(eventTime: number): readonly Window[];
}
