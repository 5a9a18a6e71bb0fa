import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `condition` until it holds; fails after `timeoutMs` with `what` (a condition, not a timing assertion). */
export async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await sleep(50);
  }
}

/** True once the target holds the change-stream position of `pipeline` (the snapshot is durable there). */
export function snapshotDurable(query: (sql: string, params?: readonly unknown[]) => Promise<unknown[]>, schema: string, pipeline: string): () => Promise<boolean> {
  return async () => (await query(`SELECT 1 FROM "${schema}".cloudpulse_positions WHERE pipeline = $1 AND partition = 'wal'`, [pipeline])).length > 0;
}
