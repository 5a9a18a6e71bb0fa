import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type { ServiceInstance } from './types.js';

/** What a state file holds: the servers one owner (a test run, or the `services` CLI) started. */
export interface ServicesState {
  /** The test runner that owns the servers (its watchdog stops them when it dies); absent for the CLI. */
  readonly owner?: { readonly pid: number; readonly startTicks: number };
  readonly instances: readonly ServiceInstance[];
}

export function readState(file: string): ServicesState {
  if (!existsSync(file)) return { instances: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as ServicesState;
}

/** Replaces the state file atomically (readers in other processes never see half a file). */
export function writeState(file: string, state: ServicesState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}
