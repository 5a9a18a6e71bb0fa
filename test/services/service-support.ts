import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { groupMembers, isAlive, stopGroup, tailFile, waitUntil } from './process-group.js';
import type { ServiceInstance, ServiceModule, ServiceName } from './types.js';

const INSTANCE_PREFIX = 'cloudpulse-';

/** A user to run a server as. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** True when the launcher runs as root (CI, these machines). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** uid/gid of a local user, or undefined when it does not exist. */
export function lookupUser(name: string): RunAs | undefined {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const fields = line.split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/' };
  } catch {
    return undefined;
  }
}

/** Creates a system user without a login shell or home (idempotent; root only). */
export function ensureSystemUser(name: string): RunAs {
  const existing = lookupUser(name);
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  const created = lookupUser(name);
  if (!created) throw new Error(`useradd ${name} did not create the user`);
  return created;
}

/** A fresh instance directory `<base>/cloudpulse-<name>-XXXXXX`, owned by `owner` when given. */
export function makeInstanceDir(name: ServiceName, baseDir: string | undefined, owner?: RunAs): string {
  const base = baseDir ?? tmpdir();
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${INSTANCE_PREFIX}${name}-`));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** Removes an instance directory; refuses any path the launcher did not create. */
export function removeInstanceDir(dir: string): void {
  if (!basename(dir).startsWith(INSTANCE_PREFIX)) throw new Error(`refusing to remove ${dir}: not an instance directory`);
  rmSync(dir, { recursive: true, force: true });
}

/** Runs a command to completion; rejects with its output's tail when it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 15 * 60_000,
        ...(options.uid === undefined ? {} : { uid: options.uid }),
        ...(options.gid === undefined ? {} : { gid: options.gid }),
      },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${output}`));
        } else {
          resolveRun(stdout);
        }
      },
    );
  });
}

/**
 * Builds `target` through `build(tmp)` in a sibling temporary directory and renames it into place, so that a
 * crashed or concurrent install never leaves a half-built target that later runs would take as installed.
 */
export async function installAtomically(target: string, build: (tmp: string) => Promise<void>): Promise<void> {
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = mkdtempSync(`${target}.partial-`);
  try {
    await build(tmp);
    // mkdtemp makes 0700 directories; installs are read by servers running as other users.
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, target);
    } catch (error) {
      // Another process finished the same install first: keep theirs.
      if (!existsSync(target)) throw error;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The readiness loop shared by every module: polls `probe`, failing fast when the server exits. */
export async function waitReady<N extends ServiceName>(
  module: Pick<ServiceModule<N>, 'probe'>,
  instance: ServiceInstance<N>,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  await waitUntil(
    async () => {
      if (!isAlive(instance.pid, instance.startTicks) && groupMembers(instance.pid).length === 0) {
        throw new Error(`${instance.name} exited during start-up (log ${instance.logFile}):\n${tailFile(instance.logFile)}`);
      }
      try {
        return await module.probe(instance);
      } catch {
        return false;
      }
    },
    timeoutMs,
    () => `${instance.name} not ready after ${Math.round((Date.now() - started) / 1000)} s (log ${instance.logFile}):\n${tailFile(instance.logFile)}`,
  );
}

/** Stops a server by PID (see {@link stopGroup}) and removes its instance directory. */
export async function stopInstance(instance: ServiceInstance, graceMs = 15_000): Promise<void> {
  await stopGroup(instance.pid, instance.startTicks, instance.stopSignal, graceMs);
  removeInstanceDir(instance.dir);
}

/** Fetch with a timeout; resolves undefined on network errors (for probes). */
export async function tryFetch(url: string, init: RequestInit = {}, timeoutMs = 2_000): Promise<Response | undefined> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return undefined;
  }
}

/** Replaces every `${KEY}` of a template with `values[KEY]`; an unknown key is an error. */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template needs \${${key}}`);
    return String(value);
  });
}

/** The first existing path of `candidates`, else `fallback`. */
export function firstExisting(candidates: readonly (string | undefined)[], fallback: string): string {
  return candidates.find((candidate): candidate is string => candidate !== undefined && candidate !== '' && existsSync(candidate)) ?? fallback;
}

/** Runs the rest of a `start()` after its instance directory exists; removes the directory when it fails. */
export async function inInstanceDir<T>(dir: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    removeInstanceDir(dir);
    throw error;
  }
}
