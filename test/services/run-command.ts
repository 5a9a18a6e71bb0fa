import { spawn } from 'node:child_process';

/** Runs a command with `input` on its stdin; resolves its stdout, rejects with stderr on a non-zero exit. */
export function runWithInput(command: string, args: readonly string[], input: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}
