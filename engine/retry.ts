import { isRetryable } from './errors.js';
import type { Clock } from './time/clock.js';

/**
 * How the runtime retries a transient failure: exponential backoff with full jitter, bounded in
 * attempts and in total time so a failure never loops forever. Connectors do not loop on their own.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /**
   * Stop retrying once this much time has passed since the first attempt (the next wait included), even
   * with attempts left. A server restart takes seconds to a minute, which a few fast attempts can spend.
   */
  readonly maxElapsedMs?: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  /** 0 = no jitter, 1 = full jitter (delay drawn from [0, backoff]). */
  readonly jitter: number;
}

/** Time-bound: retries for up to two minutes (a database or broker restart), never more than 40 attempts. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 40,
  maxElapsedMs: 120_000,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 1,
};

/** The delay before retry number `attempt` (1-based); `random` is injectable for tests. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  return backoff * (1 - policy.jitter) + backoff * policy.jitter * random();
}

/**
 * Runs `operation`, retrying while it throws a retryable error and the policy's attempts and time remain.
 * `onRetry` sees every failure that will be retried (for metrics and logs).
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  clock: Clock,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void = () => {},
): Promise<T> {
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.maxAttempts) throw error;
      const delay = backoffDelay(policy, attempt);
      if (policy.maxElapsedMs !== undefined && clock.now() - started + delay > policy.maxElapsedMs) throw error;
      onRetry(error, attempt, delay);
      await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
    }
  }
}
