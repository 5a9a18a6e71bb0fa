import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT, type DaemonOutcome } from './kafka-test-kit.js';

/** A daemon child (test/kafka/daemon-child.ts) still running: its log so far, and its outcome once it exits. */
export interface RunningDaemon {
  readonly child: ChildProcess;
  readonly outcome: Promise<DaemonOutcome>;
  /** The JSON log lines written so far. */
  logs(): { msg: string; [field: string]: unknown }[];
  /** Kills it (SIGKILL) unless it has exited, and waits for the outcome. */
  kill(): Promise<DaemonOutcome>;
}

/** Starts the daemon with a config object, for tests that act while it runs (restart a server, kill it). */
export function startDaemon(config: unknown): RunningDaemon {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'kafka', 'daemon-child.ts'), JSON.stringify(config)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logs = (): { msg: string }[] =>
    stdout.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as { msg: string }];
      } catch {
        return []; // a line still being written
      }
    });
  const outcome = new Promise<DaemonOutcome>((done) =>
    child.on('exit', (code, signal) => {
      exited = true;
      done({ code, signal, stdout, stderr, logs: logs() });
    }),
  );
  return {
    child,
    outcome,
    logs,
    kill: () => {
      if (!exited) child.kill('SIGKILL');
      return outcome;
    },
  };
}
