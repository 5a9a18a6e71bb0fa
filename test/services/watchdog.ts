import { existsSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { isAlive, stopGroup } from './process-group.js';
import { removeInstanceDir } from './service-support.js';
import { readState, removeState } from './state-file.js';

// The orphan guard of a test run: a detached process that polls the runner's PID and, when the runner
// dies without its teardown (SIGKILL, a crash, an OOM kill), stops every server listed in the run's state
// file. It exits by itself when the state file disappears (the teardown ran).
// Usage: node --import tsx watchdog.ts --runner <pid> --runner-ticks <ticks> --state <file>
const { values } = parseArgs({
  options: { runner: { type: 'string' }, 'runner-ticks': { type: 'string' }, state: { type: 'string' } },
});
const runner = Number(values.runner);
const runnerTicks = Number(values['runner-ticks'] ?? '0');
const stateFile = values.state;
if (!Number.isInteger(runner) || runner <= 0 || !stateFile) {
  console.error('watchdog: --runner <pid> and --state <file> are required');
  process.exit(2);
}

const ownLog = stateFile.replace(/\.json$/, '.watchdog.log');
for (;;) {
  if (!existsSync(stateFile)) {
    // The teardown ran: nothing to report.
    rmSync(ownLog, { force: true });
    process.exit(0);
  }
  if (!isAlive(runner, runnerTicks)) break;
  await sleep(300);
}

const { instances } = readState(stateFile);
const results = await Promise.allSettled(
  instances.map(async (instance) => {
    await stopGroup(instance.pid, instance.startTicks, instance.stopSignal, 10_000);
    removeInstanceDir(instance.dir);
  }),
);
for (const [i, result] of results.entries()) {
  if (result.status === 'rejected') console.error(`watchdog: ${instances[i]?.name}: ${String(result.reason)}`);
}
removeState(stateFile);
console.error(`watchdog: runner ${runner} died; stopped ${instances.map((instance) => `${instance.name} (pid ${instance.pid})`).join(', ') || 'nothing'}`);
