import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What {@link spawnServer} needs to start a server process. */
export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** Run as this user (the launcher runs as root on CI; Elasticsearch and PostgreSQL refuse root). */
  readonly uid?: number;
  readonly gid?: number;
}

/** A spawned server: its PID is also its process group id. */
export interface SpawnedServer {
  readonly pid: number;
  readonly startTicks: number;
}

interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly startTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  return { pid, state, ppid: Number(rest[1]), pgrp: Number(rest[2]), startTicks: Number(rest[19]) };
}

/**
 * Spawns a server in a new process group (so that one signal reaches its children: Elasticsearch's CLI and
 * server JVMs, PySpark's JVM, the postmaster's backends), detached from the caller's terminal, with output
 * going to a log file. The caller may exit; the server keeps running until stopped.
 */
export function spawnServer(spec: SpawnSpec): SpawnedServer {
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, out],
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
    // An 'error' (ENOENT, EACCES) also ends the process: the readiness loop reports it through the log.
    child.on('error', () => undefined);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not spawn ${spec.command}`);
    const stat = readStat(pid);
    return { pid, startTicks: stat?.startTicks ?? 0 };
  } finally {
    closeSync(out);
  }
}

/** Start time of a process in clock ticks since boot, or 0 when it is gone. */
export function processStartTicks(pid: number): number {
  return readStat(pid)?.startTicks ?? 0;
}

/** True while `pid` runs (not a zombie) and is still the process that was started at `startTicks`. */
export function isAlive(pid: number, startTicks: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && (startTicks === 0 || stat.startTicks === startTicks);
}

function liveProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== 'Z') stats.push(stat);
  }
  return stats;
}

/** Live (non-zombie) processes of a process group. */
export function groupMembers(pgid: number): number[] {
  return liveProcesses()
    .filter((stat) => stat.pgrp === pgid)
    .map((stat) => stat.pid);
}

/**
 * The processes of a server: its process group plus every descendant, including those that left the group
 * (PostgreSQL's backends call setsid(); they exit by themselves when the postmaster dies).
 */
export function serverProcesses(pgid: number): number[] {
  const stats = liveProcesses();
  const result = new Set(stats.filter((stat) => stat.pgrp === pgid).map((stat) => stat.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const stat of stats) {
      if (!result.has(stat.pid) && result.has(stat.ppid)) {
        result.add(stat.pid);
        grew = true;
      }
    }
  }
  return [...result].sort((a, b) => a - b);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

interface ProcessRef {
  readonly pid: number;
  readonly startTicks: number;
}

function snapshot(pgid: number): ProcessRef[] {
  return serverProcesses(pgid).map((pid) => ({ pid, startTicks: readStat(pid)?.startTicks ?? 0 }));
}

async function waitGone(pgid: number, processes: readonly ProcessRef[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (groupMembers(pgid).length === 0 && processes.every((p) => !isAlive(p.pid, p.startTicks))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/**
 * Stops a server: `signal` to its process group, then SIGKILL to the group and to every process of the
 * server seen before (see {@link serverProcesses}) when they are not gone after `graceMs`, then waits until
 * none is left (a restarted postmaster refuses to start while the old one lives). A process group id cannot
 * be reused while any member lives, so signalling it is safe even when the leader is already gone.
 */
export async function stopGroup(pgid: number, startTicks: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const processes = snapshot(pgid);
  if (processes.length === 0 && !isAlive(pgid, startTicks)) return;
  signalGroup(pgid, signal);
  if (await waitGone(pgid, processes, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  for (const p of processes) {
    if (isAlive(p.pid, p.startTicks)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (!(await waitGone(pgid, processes, 10_000))) {
    throw new Error(`processes of group ${pgid} survived SIGKILL: ${serverProcesses(pgid).join(', ')}`);
  }
}

/** Polls `check` every `intervalMs` until it returns true; throws `describe()` on timeout. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(describe());
    await sleep(intervalMs);
  }
}

/** The last `lines` lines of a text file, or '' when it cannot be read. */
export function tailFile(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}

/** Resident memory of the given processes, summed, in bytes (VmRSS from /proc). */
export function residentBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match?.[1]) total += Number(match[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}
