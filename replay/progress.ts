import { systemClock, type Clock, type EngineEvent, type EngineEvents } from '../engine/index.js';

/** Where progress goes: a writable text stream (the CLI passes `process.stderr`). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressReporterOptions {
  /** Shown before the figures (e.g. the topology name). */
  readonly label?: string;
  /** Time source for rates and redraw intervals (default the system clock). */
  readonly clock?: Clock;
  /** Least time between two outputs (default 100 ms on a terminal, 5 s otherwise). */
  readonly intervalMs?: number;
}

interface SourceProgress {
  rows: number;
  bytesRead: number | undefined;
  totalBytes: number | undefined;
  speed: number | 'max';
}

const BAR_WIDTH = 24;

/**
 * Shows replay progress from `replay_progress` events: rows, percent (of bytes), rate and ETA.
 * On a terminal it redraws one bar line in place; otherwise it writes a plain line at most every
 * `intervalMs`. Several sources are summed. Writes only to the stream it is given.
 */
export class ProgressReporter {
  private readonly sources = new Map<string, SourceProgress>();
  private readonly clock: Clock;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private startedAt: number | undefined;
  private lastOutputAt = -Infinity;
  private drawn = false;
  private finished = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly options: ProgressReporterOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.tty = out.isTTY === true;
    this.intervalMs = options.intervalMs ?? (this.tty ? 100 : 5000);
  }

  /** Subscribes to an event stream; returns the unsubscribe function. */
  attach(events: EngineEvents): () => void {
    return events.on((event) => this.onEvent(event));
  }

  /** Takes any engine event; only `replay_progress` matters. Never throws. */
  onEvent(event: EngineEvent): void {
    if (event.type !== 'replay_progress' || this.finished) return;
    const now = this.clock.now();
    this.startedAt ??= now;
    this.sources.set(event.source, { rows: event.rows, bytesRead: event.bytesRead, totalBytes: event.totalBytes, speed: event.speed });
    if (now - this.lastOutputAt < this.intervalMs) return;
    this.lastOutputAt = now;
    this.render(now, false);
  }

  /** Writes the final figures (and ends the bar's line on a terminal). Idempotent. */
  finish(): void {
    if (this.finished) return;
    if (this.sources.size > 0) this.render(this.clock.now(), true);
    this.finished = true;
  }

  /** The current figures, for tests and summaries. */
  snapshot(): { rows: number; fraction: number | undefined; rowsPerSecond: number | undefined; etaSeconds: number | undefined } {
    return this.figures(this.clock.now());
  }

  private figures(now: number): { rows: number; fraction: number | undefined; rowsPerSecond: number | undefined; etaSeconds: number | undefined } {
    let rows = 0;
    let read = 0;
    let total = 0;
    let known = true;
    for (const s of this.sources.values()) {
      rows += s.rows;
      if (s.bytesRead === undefined || s.totalBytes === undefined) known = false;
      else {
        read += s.bytesRead;
        total += s.totalBytes;
      }
    }
    const fraction = known && total > 0 ? Math.min(1, read / total) : known && this.sources.size > 0 ? 1 : undefined;
    const elapsed = (now - (this.startedAt ?? now)) / 1000;
    const rowsPerSecond = elapsed > 0 ? rows / elapsed : undefined;
    const etaSeconds = fraction !== undefined && fraction > 0 && elapsed > 0 ? (elapsed * (1 - fraction)) / fraction : undefined;
    return { rows, fraction, rowsPerSecond, etaSeconds };
  }

  private render(now: number, final: boolean): void {
    const { rows, fraction, rowsPerSecond, etaSeconds } = this.figures(now);
    const label = this.options.label === undefined ? 'replay' : this.options.label;
    const percent = fraction === undefined ? '' : `${(fraction * 100).toFixed(1)}%`;
    const rate = rowsPerSecond === undefined ? '' : `${formatCount(rowsPerSecond)} rows/s`;
    const eta = final ? `done in ${formatDuration((now - (this.startedAt ?? now)) / 1000)}` : etaSeconds === undefined ? '' : `ETA ${formatDuration(etaSeconds)}`;
    if (this.tty) {
      const filled = fraction === undefined ? 0 : Math.round(fraction * BAR_WIDTH);
      const bar = fraction === undefined ? '' : `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] `;
      let line = [label, `${bar}${percent}`, `${formatCount(rows)} rows`, rate, eta].filter((s) => s !== '').join('  ');
      const width = this.out.columns;
      if (width !== undefined && width > 10 && line.length >= width) line = line.slice(0, width - 1);
      // \r returns to the line start and \x1b[K clears what a longer previous line left behind.
      this.out.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
      this.drawn = !final;
    } else {
      const parts = [`${label}:`, `${formatCount(rows)} rows`, percent, rate, eta].filter((s) => s !== '');
      this.out.write(`${parts.join(' ')}\n`);
    }
  }

  /** True while a terminal bar is on screen without its final newline. */
  get barOnScreen(): boolean {
    return this.drawn;
  }
}

/** 1234567 → `1,234,567` (fixed separators, independent of the machine's locale). */
export function formatCount(value: number): string {
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return rounded < 0 ? `-${out}` : out;
}

/** Seconds → `42s`, `3m05s`, `2h07m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
