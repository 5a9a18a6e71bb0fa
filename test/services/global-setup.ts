import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import type { TestProject } from 'vitest/node';

import { servicesForFiles } from './declarations.js';
import { launchServices, stopServices } from './launcher.js';
import { PROJECT_ROOT, runsDir, SERVICES_DIR } from './paths.js';
import { isAlive, processStartTicks, stopGroup } from './process-group.js';
import type { ProvidedServices } from './provided-context.js';
import './provided-context.js';
import { removeInstanceDir } from './service-support.js';
import { readState, removeState, writeState } from './state-file.js';
import type { ServiceInstance, ServiceName } from './types.js';

// Vitest global setup: starts the servers that the selected test files declare (`// @services ...` in
// their leading comments), provides their connection settings to tests, and stops them at teardown. A
// detached watchdog stops them when this runner dies without a teardown; an exit hook signals them at once.

const running: ServiceInstance[] = [];
let stateFile: string | undefined;
let ownerTicks = 0;

function log(message: string): void {
  if (process.env['CLOUDPULSE_SERVICES_QUIET'] !== '1') console.error(`[services] ${message}`);
}

/** Stops the servers of earlier runs whose runner and watchdog both died (e.g. `kill -9` of everything). */
async function sweepAbandonedRuns(): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(runsDir());
  } catch {
    return;
  }
  for (const name of entries.filter((entry) => entry.endsWith('.watchdog.log'))) {
    // A watchdog's report of a killed run: kept a day for whoever investigates, then dropped.
    const file = join(runsDir(), name);
    if (Date.now() - statSync(file).mtimeMs > 24 * 3600_000) rmSync(file, { force: true });
  }
  const files = entries.filter((entry) => entry.endsWith('.json'));
  for (const name of files) {
    const file = join(runsDir(), name);
    const state = readState(file);
    if (state.owner && isAlive(state.owner.pid, state.owner.startTicks)) continue;
    for (const instance of state.instances) {
      await stopGroup(instance.pid, instance.startTicks, instance.stopSignal, 10_000).catch(() => undefined);
      try {
        removeInstanceDir(instance.dir);
      } catch {
        // not ours to remove
      }
    }
    removeState(file);
    if (state.instances.length > 0) log(`stopped ${state.instances.length} server(s) left by dead runner ${state.owner?.pid}`);
  }
}

function saveState(): void {
  if (stateFile) writeState(stateFile, { owner: { pid: process.pid, startTicks: ownerTicks }, instances: running });
}

function startWatchdog(file: string): void {
  const logFd = openSync(file.replace(/\.json$/, '.watchdog.log'), 'a');
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(SERVICES_DIR, 'watchdog.ts'), '--runner', String(process.pid), '--runner-ticks', String(ownerTicks), '--state', file],
      { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', logFd, logFd] },
    );
    child.unref();
  } finally {
    closeSync(logFd);
  }
}

function onExit(): void {
  // Last resort when the runner exits without teardown: a synchronous signal (no waiting is possible here).
  for (const instance of running) {
    try {
      process.kill(-instance.pid, instance.stopSignal);
    } catch {
      // already gone
    }
  }
}

async function ensureServices(project: TestProject, names: readonly ServiceName[]): Promise<void> {
  const missing = names.filter((name) => !running.some((instance) => instance.name === name));
  if (missing.length > 0) {
    if (!stateFile) {
      mkdirSync(runsDir(), { recursive: true });
      await sweepAbandonedRuns();
      stateFile = join(runsDir(), `${process.pid}.json`);
      ownerTicks = processStartTicks(process.pid);
      saveState();
      startWatchdog(stateFile);
      process.once('exit', onExit);
    }
    log(`starting ${missing.join(', ')}`);
    const { timings } = await launchServices(missing, {
      onSpawned: (instance) => {
        running.push(instance);
        saveState();
      },
    });
    for (const timing of timings) {
      const instance = running.find((candidate) => candidate.name === timing.name);
      log(`${timing.name} ready in ${(timing.startMs / 1000).toFixed(1)} s at ${instance?.url} (pid ${instance?.pid})`);
    }
  }
  const provided: ProvidedServices = {};
  for (const instance of running) Object.assign(provided, { [instance.name]: instance });
  project.provide('cloudpulseServices', provided);
}

/**
 * The test files of this run. Vitest records them (`state.collectPaths`) right before it calls the global
 * setup; `getFilepaths()` would still be empty here (it lists collected files).
 */
function selectedFiles(project: TestProject): string[] {
  return project.vitest.state.getPaths();
}

export async function setup(project: TestProject): Promise<void> {
  const files = selectedFiles(project);
  const names = servicesForFiles(files);
  if (names.length > 0) {
    const declaring = files.filter((file) => servicesForFiles([file]).length > 0).map((file) => relative(PROJECT_ROOT, file));
    log(`${declaring.length} test file(s) need ${names.join(', ')}`);
  }
  await ensureServices(project, names);
  project.onTestsRerun(async (specifications) => {
    await ensureServices(project, servicesForFiles(specifications.map((specification) => specification.moduleId)));
  });
}

export async function teardown(): Promise<void> {
  const instances = running.splice(0);
  try {
    if (instances.length > 0) {
      await stopServices(instances);
      log(`stopped ${instances.map((instance) => instance.name).join(', ')}`);
    }
  } finally {
    if (stateFile) removeState(stateFile);
    process.off('exit', onExit);
  }
}
