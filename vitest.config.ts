import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { declaredServices } from './test/services/declarations.js';

const root = import.meta.dirname;
const ignored = new Set(['node_modules', 'dist', 'cloudpulse-out', '.git']);

/** Test files that declare real servers (`// @services …`), for runs that must not start any. */
function filesNeedingServices(dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (ignored.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesNeedingServices(path));
    else if (entry.name.endsWith('.test.ts') && declaredServices(readFileSync(path, 'utf8'), path).length > 0) found.push(relative(root, path));
  }
  return found;
}

// CLOUDPULSE_NO_SERVICES=1 runs everything that needs no server (CI's second Node version, laptops without them).
const withoutServices = process.env.CLOUDPULSE_NO_SERVICES === '1';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'cloudpulse-out/**', ...(withoutServices ? filesNeedingServices() : [])],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Starts the real servers that the selected test files declare (`// @services ...`); see test/services.
    globalSetup: ['test/services/global-setup.ts'],
  },
});
