import { describe, expect, it } from 'vitest';
import { ConfigError, VirtualClock } from '../engine/index.js';
import { Pacer, parseSpeed } from './pacing.js';

describe('parseSpeed', () => {
  it('reads max and factors with or without x', () => {
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('MAX')).toBe('max');
    expect(parseSpeed('1x')).toBe(1);
    expect(parseSpeed('60')).toBe(60);
    expect(parseSpeed('0.5x')).toBe(0.5);
  });

  it('rejects anything else with a ConfigError at the given path', () => {
    for (const bad of ['0', '-1', 'fast', '1y', '']) {
      expect(() => parseSpeed(bad, 'replay.speed')).toThrow(ConfigError);
    }
    expect(() => parseSpeed('fast', 'replay.speed')).toThrow(/replay\.speed/);
  });
});

describe('Pacer', () => {
  it('never waits at max speed', () => {
    const pacer = new Pacer(new VirtualClock(), 'max');
    expect(pacer.delayFor(0)).toBe(0);
    expect(pacer.delayFor(1e12)).toBe(0);
  });

  it('schedules event time divided by the speed factor, anchored at the first record', () => {
    const clock = new VirtualClock(5_000);
    const pacer = new Pacer(clock, 60);
    const start = Date.UTC(2024, 0, 2, 14, 30);
    expect(pacer.delayFor(start)).toBe(0);
    expect(pacer.delayFor(start + 60_000)).toBe(1000);
    expect(pacer.delayFor(start + 3_600_000)).toBe(60_000);
    clock.advance(400);
    expect(pacer.delayFor(start + 60_000)).toBe(600);
    // Late (out-of-order) records are due at once.
    expect(pacer.delayFor(start - 10_000)).toBe(0);
  });

  it('runs in real time at 1x', () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, 1);
    pacer.delayFor(100);
    expect(pacer.delayFor(2_600)).toBe(2_500);
  });

  it('sleeps on the injected clock only', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, 1);
    let woke = false;
    const sleeping = pacer.sleep(1000).then(() => {
      woke = true;
    });
    clock.advance(999);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it('moves the schedule after a pause and can be interrupted', async () => {
    const clock = new VirtualClock(0);
    const pacer = new Pacer(clock, 2);
    pacer.delayFor(0);
    pacer.shift(5_000);
    expect(pacer.delayFor(4_000)).toBe(7_000);
    const sleeping = pacer.sleep(7_000);
    pacer.interrupt();
    await sleeping;
    expect(clock.now()).toBe(0);
  });

  it('rejects a non-positive speed', () => {
    expect(() => new Pacer(new VirtualClock(), 0)).toThrow(ConfigError);
    expect(() => new Pacer(new VirtualClock(), Number.NaN)).toThrow(ConfigError);
  });
});
