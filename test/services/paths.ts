import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the launcher's source files (`test/services`). */
export const SERVICES_DIR = dirname(fileURLToPath(import.meta.url));

/** The project root (where package.json and node_modules are). */
export const PROJECT_ROOT = resolve(SERVICES_DIR, '..', '..');

/**
 * Cache root for downloads and installs: `$XDG_CACHE_HOME/cloudpulse`, else `~/.cache/cloudpulse`.
 * `CLOUDPULSE_CACHE_DIR` overrides both (CI may point it at a persistent volume).
 */
export function cacheDir(): string {
  const explicit = process.env['CLOUDPULSE_CACHE_DIR'];
  if (explicit) return resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'cloudpulse');
}

/** State file of the servers started by `npm run services -- up` (shared by every shell). */
export function cliStateFile(): string {
  return join(cacheDir(), 'services-state.json');
}

/** Directory of the state files of test runs, one per runner PID (read by their watchdogs). */
export function runsDir(): string {
  return join(cacheDir(), 'runs');
}
