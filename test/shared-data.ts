import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The real datasets beside the project (`../shared/data`). Tests that need them fail with this
 * message when the folder is missing: a missing dataset must never turn into a silently skipped test.
 */
export function requireSharedData(): string {
  const dir = resolve(import.meta.dirname, '..', '..', 'shared', 'data');
  if (!existsSync(dir)) throw new Error(`the real datasets are missing: expected them in ${dir} (see ../shared/data/README.md)`);
  return dir;
}
