import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWarehouse } from './test-warehouse.js';

/**
 * Runs a sink write and restarts the test warehouse under it: as soon as a data MERGE (not the positions
 * MERGE) starts, the warehouse drops every connection and session and stops listening for `downMs`, then
 * comes back on the same port. `write` must not reject; resolves, once it has settled, to whether a request
 * of the write was really cut off.
 */
export async function interruptWarehouseDuring(warehouse: TestWarehouse, write: () => Promise<void>, downMs = 500): Promise<boolean> {
  const before = warehouse.interruptedRequests;
  const started = warehouse.nextStatement(/^MERGE INTO (?!\S*cloudpulse_positions)/);
  const pending = write();
  try {
    await started;
    await warehouse.goAway();
    await sleep(downMs);
  } finally {
    await warehouse.comeBack();
  }
  await pending;
  return warehouse.interruptedRequests > before;
}
