import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { qualifiedName } from '../../connectors/postgres/quote-identifier.js';
import { POSITIONS_TABLE } from '../../connectors/postgres/positions-table.js';

/**
 * Runs a sink write and kills its server connection in the middle of its transaction: the positions
 * table is locked so the write stops after its rows went in (uncommitted), the blocked backend is
 * terminated (`pg_terminate_backend`, what a server restart does to a session), then the lock is released.
 * `write` must not reject (the caller keeps its outcome); resolves, once it has settled, to whether a
 * blocked write was really terminated.
 */
export async function interruptDuringWrite(connect: () => Promise<pg.Client>, schema: string, write: () => Promise<void>): Promise<boolean> {
  const admin = await connect();
  let terminated = 0;
  let pending: Promise<void> = Promise.resolve();
  try {
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE ${qualifiedName(schema, POSITIONS_TABLE)} IN EXCLUSIVE MODE`);
    pending = write();
    const deadline = Date.now() + 20_000;
    while (terminated === 0 && Date.now() < deadline) {
      const blocked = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'cloudpulse%' AND wait_event_type = 'Lock'`,
      );
      for (const { pid } of blocked.rows) {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        terminated++;
      }
      if (terminated === 0) await sleep(10);
    }
  } finally {
    await admin.query('ROLLBACK').catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  await pending;
  return terminated > 0;
}
