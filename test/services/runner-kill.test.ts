import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { PROJECT_ROOT, runsDir, SERVICES_DIR } from './paths.js';
import { isAlive, serverProcesses, waitUntil } from './process-group.js';
import type { ServiceInstance } from './types.js';

// A test runner killed mid-run (SIGKILL: no teardown, no exit hook) must leave no server behind: its
// watchdog stops them.
describe('servers of a killed test runner', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runner-kill-'));
  const marker = join(scratch, 'servers.json');
  let childGroup: number | undefined;

  afterAll(() => {
    // The runner's fork workers may outlive it; they are in the child's own process group.
    if (childGroup !== undefined) {
      try {
        process.kill(-childGroup, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('stops every server of the run after the runner is SIGKILLed', async () => {
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(SERVICES_DIR, 'fixtures', 'vitest.victim.config.ts')],
      {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, CLOUDPULSE_VICTIM_MARKER: marker, CLOUDPULSE_SERVICES_QUIET: '1' },
      },
    );
    const runner = child.pid;
    if (runner === undefined) throw new Error('could not start the child test run');
    childGroup = runner;

    await waitUntil(() => existsSync(marker), 120_000, () => 'the child run never reported its servers');
    const instances = JSON.parse(readFileSync(marker, 'utf8')) as ServiceInstance[];
    expect(instances.map((instance) => instance.name)).toEqual(['postgres', 'registry']);
    for (const instance of instances) expect(isAlive(instance.pid, instance.startTicks)).toBe(true);
    const stateFile = join(runsDir(), `${runner}.json`);
    expect(existsSync(stateFile)).toBe(true);
    const processes = instances.flatMap((instance) => serverProcesses(instance.pid));
    expect(processes.length).toBeGreaterThanOrEqual(2);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(runner, 'SIGKILL');
    await exited;

    const leftovers = (): number[] => processes.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
    await waitUntil(() => leftovers().length === 0, 60_000, () => `server processes left after the runner died: ${leftovers().join(', ')}`);
    // The watchdog removes the instance directories and the run's state file once the processes are gone.
    await waitUntil(() => !existsSync(stateFile), 30_000, () => `state file ${stateFile} was not removed`);
    for (const instance of instances) expect(existsSync(instance.dir), instance.dir).toBe(false);
    const report = join(runsDir(), `${runner}.watchdog.log`);
    expect(readFileSync(report, 'utf8')).toContain(`watchdog: runner ${runner} died; stopped`);
    rmSync(report, { force: true });
  });
});
