import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Prng } from '../../replay/index.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'cloudpulse.js');

/** A `cloudpulse migrate` process of the test. */
export interface MigrateChild {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  output(): string;
}

/** Starts `cloudpulse migrate <args>` as a child process (so it can be SIGKILLed), collecting its output. */
export function startMigrate(args: readonly string[]): MigrateChild {
  const child = spawn(process.execPath, [BIN, 'migrate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { exited, kill: (signal) => child.kill(signal), output: () => output };
}

/**
 * Random committed writes (and some rolled back) on table `items` (ids 1..`rows` at first) until stopped:
 * updates, inserts, deletes, key changes; `pauseMs` between transactions.
 */
export function startWriter(client: pg.Client, rng: Prng, rows: number, pauseMs = 2): { stop(): Promise<number> } {
  let running = true;
  let transactions = 0;
  let nextId = rows + 1;
  const done = (async () => {
    while (running) {
      const id = 1 + Math.floor(rng.next() * rows);
      const pick = rng.next();
      const rollback = rng.next() < 0.1;
      await client.query('BEGIN');
      if (pick < 0.5) await client.query('UPDATE items SET v = v + 1, note = $2 WHERE id = $1', [id, `updated ${transactions}`]);
      else if (pick < 0.7) await client.query('INSERT INTO items VALUES ($1, 0, $2)', [nextId++, `inserted ${transactions}`]);
      else if (pick < 0.85) await client.query('DELETE FROM items WHERE id = $1', [id]);
      else await client.query('UPDATE items SET id = $2 WHERE id = $1', [id, nextId++]);
      await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
      transactions++;
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return transactions;
    },
  };
}
