import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { PROJECT_ROOT } from './paths.js';
import { isAlive } from './process-group.js';
import { readState } from './state-file.js';

const run = promisify(execFile);

// `npm run services -- up|status|env|down` from separate processes, as two shells would use it (the registry
// stand-in needs no install, so this stays fast).
describe('services CLI', () => {
  const cache = mkdtempSync(join(tmpdir(), 'services-cli-'));
  const env = { ...process.env, CLOUDPULSE_CACHE_DIR: cache };
  const cli = (...args: string[]): Promise<{ stdout: string }> =>
    run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'services', 'cli.ts'), ...args], { cwd: PROJECT_ROOT, env });

  afterAll(async () => {
    await cli('down').catch(() => undefined);
    rmSync(cache, { recursive: true, force: true });
  });

  it('starts a server in the background, reports it, and stops it from another process', async () => {
    const up = await cli('up', 'registry');
    expect(up.stdout).toMatch(/^registry\s+up at http:\/\/127\.0\.0\.1:\d+ \(pid \d+, ready in/m);
    const [instance] = readState(join(cache, 'services-state.json')).instances;
    if (!instance) throw new Error('no state recorded');
    expect(isAlive(instance.pid, instance.startTicks)).toBe(true);

    const status = await cli('status');
    expect(status.stdout).toContain(instance.url);
    expect(status.stdout).toMatch(new RegExp(`pid ${instance.pid}\\s+healthy`));

    const exports = await cli('env');
    expect(exports.stdout.trim()).toBe(`export CLOUDPULSE_SCHEMA_REGISTRY_URL=${instance.url}`);

    const again = await cli('up', 'registry');
    expect(again.stdout).toContain(`already up at ${instance.url}`);

    const down = await cli('down');
    expect(down.stdout).toContain(`registry       stopped (pid ${instance.pid})`);
    expect(isAlive(instance.pid, instance.startTicks)).toBe(false);
    expect((await cli('status')).stdout).toContain('no server is up');
  });

  it('rejects unknown server names', async () => {
    await expect(cli('up', 'mysql')).rejects.toMatchObject({ stderr: expect.stringContaining("unknown service 'mysql'") });
  });
});
