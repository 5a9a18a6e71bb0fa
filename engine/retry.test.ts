import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from './errors.js';
import { backoffDelay, withRetry, type RetryPolicy } from './retry.js';
import type { Clock } from './time/clock.js';

/** A clock whose timers fire at once, moving its time forward by their delay: a retry loop runs instantly. */
function skippingClock(): Clock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    setTimeout(fn, ms) {
      waits.push(ms);
      now += ms;
      queueMicrotask(fn);
      return () => {};
    },
  };
}

const noJitter: RetryPolicy = { maxAttempts: 100, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0 };

/** An operation that fails transiently `failures` times, then returns its attempt number. */
function failing(failures: number): (attempt: number) => Promise<number> {
  return async (attempt) => {
    if (attempt <= failures) throw new TransientError(`attempt ${attempt} failed`, { code: 'test_transient' });
    return attempt;
  };
}

describe('withRetry', () => {
  it('backs off exponentially up to the maximum delay', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(noJitter, attempt))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffDelay({ ...noJitter, jitter: 1 }, 3, () => 0.25)).toBe(100);
  });

  it('retries transient failures until the operation succeeds', async () => {
    const clock = skippingClock();
    const retried: number[] = [];
    await expect(withRetry(failing(3), noJitter, clock, (_error, attempt) => retried.push(attempt))).resolves.toBe(4);
    expect(retried).toEqual([1, 2, 3]);
    expect(clock.waits).toEqual([100, 200, 400]);
  });

  it('never retries a permanent error', async () => {
    const clock = skippingClock();
    let calls = 0;
    const operation = async (): Promise<never> => {
      calls++;
      throw new PermanentError('bad request', { code: 'test_permanent' });
    };
    await expect(withRetry(operation, noJitter, clock)).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts', async () => {
    await expect(withRetry(failing(10), { ...noJitter, maxAttempts: 3 }, skippingClock())).rejects.toThrow('attempt 3 failed');
  });

  it('gives up when the next wait would pass maxElapsedMs, attempts left or not', async () => {
    const clock = skippingClock();
    // Waits 100, 200, 400, 800, 1000, 1000 … : after 1500 ms of waiting the next (1000) would pass 2000.
    await expect(withRetry(failing(50), { ...noJitter, maxElapsedMs: 2_000 }, clock)).rejects.toThrow('attempt 5 failed');
    expect(clock.waits).toEqual([100, 200, 400, 800]);
    expect(clock.now()).toBeLessThanOrEqual(2_000);
  });

  it('outlasts a failure that ends within maxElapsedMs however many attempts it takes', async () => {
    const clock = skippingClock();
    const policy: RetryPolicy = { ...noJitter, maxAttempts: 1_000, maxElapsedMs: 60_000 };
    const downUntil = 30_000;
    const operation = async (attempt: number): Promise<number> => {
      if (clock.now() < downUntil) throw new TransientError('server restarting', { code: 'test_transient' });
      return attempt;
    };
    const attempts = await withRetry(operation, policy, clock);
    expect(attempts).toBeGreaterThan(8);
    expect(clock.now()).toBeGreaterThanOrEqual(downUntil);
  });
});
