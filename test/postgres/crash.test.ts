// @services postgres
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { quoteIdentifier } from '../../connectors/postgres/quote-identifier.js';
import { EngineEvents, systemClock, type Topology } from '../../engine/index.js';
import { generateTicks, Prng } from '../../replay/index.js';
import { findTopology } from '../../topologies/index.js';
import type { CrashRunRequest } from './crash-runner.js';
import { openTestDatabase, type TestDatabase } from './test-database.js';
import { ticksPassthroughTopology } from './ticks-passthrough-topology.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, '..', '..');
const RUNNER = join(HERE, 'crash-runner.ts');
const TICKS = 300_000;
const KILLS = 4;
// Random kill points, reproducible: the seed is printed, and CLOUDPULSE_CRASH_SEED replays it.
const SEED = Number(process.env['CLOUDPULSE_CRASH_SEED'] ?? Date.now() % 1_000_000_007);

interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What `killWhen` saw when it fired. */
  readonly killedAt?: number;
}

/**
 * Runs the crash runner; once `killWhen` returns a number, waits `delayMs` more (so the kill lands at an
 * arbitrary point of the work that follows, often inside a write) and SIGKILLs the process.
 */
async function runChild(request: CrashRunRequest, killWhen?: () => Promise<number | undefined>, delayMs = 0): Promise<ChildOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, JSON.stringify(request)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));
  let killedAt: number | undefined;
  if (killWhen !== undefined) {
    while (running) {
      const seen = await killWhen().catch(() => undefined);
      if (seen !== undefined && running) {
        if (delayMs > 0) await sleep(delayMs);
        if (!running) break;
        killedAt = seen;
        child.kill('SIGKILL');
        break;
      }
      await sleep(15);
    }
  }
  const { code, signal } = await exited;
  return { code, signal, stdout, stderr, ...(killedAt === undefined ? {} : { killedAt }) };
}

/** Creates the topology's tables (and the sink's own) in `schema`, as the first run would. */
async function prepareSchema(url: string, topology: Topology): Promise<void> {
  const sink = createPostgresSink(url);
  await sink.open({ topology: topology.name, tables: topology.outputs, clock: systemClock, events: new EngineEvents() });
  await sink.close();
}

/** Rows in one table but not the other (both ways, duplicates counted), and each side's count. */
async function compareTables(db: TestDatabase, left: string, right: string, table: string): Promise<{ leftOnly: number; rightOnly: number; left: number; right: number }> {
  const l = `${quoteIdentifier(left)}.${quoteIdentifier(table)}`;
  const r = `${quoteIdentifier(right)}.${quoteIdentifier(table)}`;
  const [row] = await db.query<{ left_only: string; right_only: string; left: string; right: string }>(
    `SELECT (SELECT count(*) FROM (SELECT * FROM ${l} EXCEPT ALL SELECT * FROM ${r}) x)::text AS left_only,
            (SELECT count(*) FROM (SELECT * FROM ${r} EXCEPT ALL SELECT * FROM ${l}) x)::text AS right_only,
            (SELECT count(*) FROM ${l})::text AS left, (SELECT count(*) FROM ${r})::text AS right`,
  );
  return { leftOnly: Number(row!.left_only), rightOnly: Number(row!.right_only), left: Number(row!.left), right: Number(row!.right) };
}

/**
 * Progress levels at which to kill, sorted. Below 60%: the runner writes up to 100,000 records at once, so
 * a later trigger could fire during the last write and the run finish before the kill.
 */
function killTargets(rng: Prng, total: number): number[] {
  return Array.from({ length: KILLS }, () => Math.floor(rng.range(0.02, 0.6) * total)).sort((a, b) => a - b);
}

describe('crash test: SIGKILL a replay into PostgreSQL at random points, restart, compare with a clean run', () => {
  let db: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    console.log(`crash test seed ${SEED} (CLOUDPULSE_CRASH_SEED=${SEED} replays the same kill points)`);
    db = await openTestDatabase('crash');
    dataDir = await mkdtemp(join(tmpdir(), 'cloudpulse-crash-'));
    await generateTicks({ dir: dataDir, seed: 20_241_128, rows: TICKS, symbols: 8, fileName: 'ticks.csv' });
  });

  afterAll(async () => {
    await db?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'applies every input position exactly once across kills (stateless topology, one row per line)',
    async () => {
      const url = (schema: string): string => `${db.url}?schema=${schema}`;
      const request = (schema: string): CrashRunRequest => ({ url: url(schema), dataDir, topology: ticksPassthroughTopology.name });

      const clean = await runChild(request('clean'));
      expect(clean.code, clean.stderr).toBe(0);

      await prepareSchema(url('crashed'), ticksPassthroughTopology);
      // Every application of a row (insert or update) is counted in the same transaction as the row.
      await db.query(`CREATE TABLE crashed.applied (line bigint NOT NULL)`);
      await db.query(`CREATE FUNCTION crashed.count_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO crashed.applied VALUES (NEW.line); RETURN NULL; END $$`);
      await db.query(`CREATE TRIGGER count_apply AFTER INSERT OR UPDATE ON crashed.ticks_out FOR EACH ROW EXECUTE FUNCTION crashed.count_apply()`);

      const rng = new Prng(SEED);
      const stored = async (): Promise<number> =>
        Number((await db.query<{ o: string }>(`SELECT coalesce(max("offset"), 0)::text AS o FROM crashed.cloudpulse_positions`))[0]!.o);
      const kills: { target: number; storedAtKill: number; storedAfter: number }[] = [];
      for (const target of killTargets(rng, TICKS)) {
        const outcome = await runChild(
          request('crashed'),
          async () => {
            const offset = await stored();
            return offset >= target ? offset : undefined;
          },
          rng.int(0, 300),
        );
        expect(outcome.signal, `run meant to be killed at line ${target} ended by itself: ${outcome.stderr}`).toBe('SIGKILL');
        kills.push({ target, storedAtKill: outcome.killedAt!, storedAfter: await stored() });
      }
      const final = await runChild(request('crashed'));
      expect(final.code, final.stderr).toBe(0);
      console.log(`ticks-passthrough kills (target line → stored position at kill → after): ${kills.map((k) => `${k.target}→${k.storedAtKill}→${k.storedAfter}`).join(', ')}`);

      // The kills really interrupted the work: progress was stored before each kill, never lost after it.
      for (const kill of kills) {
        expect(kill.storedAtKill).toBeGreaterThanOrEqual(kill.target);
        expect(kill.storedAfter).toBeGreaterThanOrEqual(kill.storedAtKill);
        expect(kill.storedAfter).toBeLessThan(TICKS + 1);
      }
      const comparison = await compareTables(db, 'clean', 'crashed', 'ticks_out');
      expect(comparison).toEqual({ leftOnly: 0, rightOnly: 0, left: TICKS, right: TICKS });
      const [applied] = await db.query<{ total: string; distinct_lines: string; max_per_line: string }>(
        `SELECT count(*)::text AS total, count(DISTINCT line)::text AS distinct_lines, coalesce(max(n), 0)::text AS max_per_line
           FROM (SELECT line, count(*) OVER (PARTITION BY line) AS n FROM crashed.applied) a`,
      );
      expect(applied).toEqual({ total: String(TICKS), distinct_lines: String(TICKS), max_per_line: '1' });
      expect(await stored()).toBe(TICKS + 1);
    },
    300_000,
  );

  it(
    'ends with the same tables as a clean run for a windowed built-in topology (nvda bars over ticks)',
    async () => {
      const nvda = findTopology('nvda');
      expect(nvda).toBeDefined();
      const url = (schema: string): string => `${db.url}?schema=${schema}`;
      const request = (schema: string): CrashRunRequest => ({ url: url(schema), dataDir, topology: 'nvda', files: { prices: 'ticks.csv' } });
      const clean = await runChild(request('nvda_clean'));
      expect(clean.code, clean.stderr).toBe(0);
      const bars = nvda!.outputs[0]!.name;
      const count = async (schema: string): Promise<number> =>
        Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdentifier(schema)}.${quoteIdentifier(bars)}`))[0]!.n);
      const total = await count('nvda_clean');
      expect(total).toBeGreaterThan(100);

      await prepareSchema(url('nvda_crashed'), nvda!);
      const rng = new Prng(SEED + 1);
      const kills: string[] = [];
      for (const target of killTargets(rng, total)) {
        const outcome = await runChild(
          request('nvda_crashed'),
          async () => {
            const n = await count('nvda_crashed');
            return n >= target ? n : undefined;
          },
          rng.int(0, 100),
        );
        // A restarted run only has the rest of the input to do: it may finish within the kill's random
        // delay after passing the target. Then every later target is past the end; the kills so far stand.
        if (outcome.signal === null && outcome.code === 0) break;
        expect(outcome.signal, `run meant to be killed at ${target} bars failed: ${outcome.stderr}`).toBe('SIGKILL');
        kills.push(`${target}→${outcome.killedAt}`);
      }
      expect(kills.length, 'the first run, from the start of the input, is killed').toBeGreaterThanOrEqual(1);
      const final = await runChild(request('nvda_crashed'));
      expect(final.code, final.stderr).toBe(0);
      console.log(`nvda kills (target bars → bars stored at kill): ${kills.join(', ')}; clean run ${total} bars`);
      for (const table of nvda!.outputs) {
        const comparison = await compareTables(db, 'nvda_clean', 'nvda_crashed', table.name);
        expect({ table: table.name, ...comparison }).toEqual({ table: table.name, leftOnly: 0, rightOnly: 0, left: comparison.left, right: comparison.left });
      }
    },
    300_000,
  );
});
