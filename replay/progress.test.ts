import { describe, expect, it } from 'vitest';
import { EngineEvents, VirtualClock, type EngineEvent } from '../engine/index.js';
import { formatCount, formatDuration, ProgressReporter, type ProgressOutput } from './progress.js';

class Capture implements ProgressOutput {
  text = '';
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

function progress(rows: number, bytesRead: number, totalBytes = 1000, source = 'ticks.csv'): EngineEvent {
  return { type: 'replay_progress', topology: 't', source, rows, bytesRead, totalBytes, speed: 'max' };
}

describe('ProgressReporter', () => {
  it('redraws one bar line in place on a terminal, at most every interval', () => {
    const clock = new VirtualClock(0);
    const out = new Capture(true, 120);
    const reporter = new ProgressReporter(out, { clock, label: 'ohlcv' });
    reporter.onEvent(progress(0, 0));
    clock.advance(10_000);
    reporter.onEvent(progress(50_000, 250));
    clock.advance(50);
    reporter.onEvent(progress(60_000, 300));
    const draws = out.text.split('\r').filter((s) => s !== '');
    expect(draws).toHaveLength(2);
    expect(draws[1]).toBe('ohlcv  [######------------------] 25.0%  50,000 rows  5,000 rows/s  ETA 30s\x1b[K');
    expect(out.text).not.toContain('\n');
    clock.advance(29_950);
    reporter.onEvent(progress(200_000, 1000));
    reporter.finish();
    expect(out.text.endsWith('ohlcv  [########################] 100.0%  200,000 rows  5,000 rows/s  done in 40s\x1b[K\n')).toBe(true);
  });

  it('writes plain periodic lines when the output is not a terminal, summing sources', () => {
    const clock = new VirtualClock(0);
    const out = new Capture(false);
    const events = new EngineEvents();
    const reporter = new ProgressReporter(out, { clock, intervalMs: 5_000 });
    const detach = reporter.attach(events);
    events.emit(progress(0, 0, 1000, 'a.csv'));
    clock.advance(1_000);
    events.emit(progress(1_000, 500, 1000, 'a.csv'));
    clock.advance(4_000);
    events.emit(progress(3_000, 500, 3000, 'b.csv'));
    events.emit({ type: 'late', topology: 't', operator: 'w', count: 1 });
    detach();
    events.emit(progress(9_999, 1000, 1000, 'a.csv'));
    expect(out.text).toBe('replay: 0 rows 0.0%\nreplay: 4,000 rows 25.0% 800 rows/s ETA 15s\n');
    expect(out.text).not.toContain('\r');
    expect(reporter.snapshot().rows).toBe(4_000);
  });

  it('formats counts and durations without the machine locale', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(-1500)).toBe('-1,500');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(7_620)).toBe('2h07m');
  });
});
