import { ConfigError, type Clock } from '../engine/index.js';

/** How fast a replay runs: `'max'` (as fast as possible) or event time × this factor (1 = real time, 60 = an hour a minute). */
export type ReplaySpeed = number | 'max';

/**
 * Parses `max`, `60`, `60x` or `0.5x` into a speed; anything else is a `ConfigError` at `path`.
 */
export function parseSpeed(text: string, path = 'speed'): ReplaySpeed {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'max') return 'max';
  const match = /^(\d+(?:\.\d+)?|\.\d+)x?$/.exec(trimmed);
  const value = match === null ? NaN : Number(match[1]);
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(path, `must be "max" or a positive factor like 1x or 60x, got "${text}"`);
  return value;
}

/**
 * Schedules records by event time on an injected `Clock` (never the process's own timers, so tests
 * run on `VirtualClock`). The first record anchors the schedule: a record with event time `t` is due
 * at `anchorClock + (t − anchorEvent) / speed`. Records already due (or out of order) go at once.
 * At `'max'` nothing ever waits.
 */
export class Pacer {
  private anchorClock = NaN;
  private anchorEvent = NaN;
  private cancelSleep: (() => void) | undefined;
  private wakeSleep: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    readonly speed: ReplaySpeed,
  ) {
    if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) throw new ConfigError('speed', `must be "max" or a positive number, got ${String(speed)}`);
  }

  /** Clock milliseconds until a record with this event time is due; 0 when due now (always at `'max'`). */
  delayFor(eventTime: number): number {
    if (this.speed === 'max') return 0;
    const now = this.clock.now();
    if (this.anchorClock !== this.anchorClock) {
      this.anchorClock = now;
      this.anchorEvent = eventTime;
      return 0;
    }
    const due = this.anchorClock + (eventTime - this.anchorEvent) / this.speed;
    return due > now ? Math.ceil(due - now) : 0;
  }

  /** Waits `ms` on the clock; `interrupt()` ends the wait early. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.cancelSleep = undefined;
        this.wakeSleep = undefined;
        resolve();
      };
      this.wakeSleep = done;
      this.cancelSleep = this.clock.setTimeout(done, ms);
    });
  }

  /** Ends a running `sleep` now (used when the replay stops). */
  interrupt(): void {
    this.cancelSleep?.();
    this.wakeSleep?.();
  }

  /** Moves the schedule later by `ms` (time spent paused), so a resumed replay does not burst. */
  shift(ms: number): void {
    if (this.anchorClock === this.anchorClock) this.anchorClock += ms;
  }
}
