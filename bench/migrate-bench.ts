import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { runMigrate } from '../cli/migrate.js';
import { postgres } from '../test/services/postgres/postgres.js';

// Snapshot: N rows of one source table to a target database on the same server, by `cloudpulse migrate
// --snapshot-only` and by `COPY (SELECT … ORDER BY id) TO STDOUT | COPY … FROM STDIN` into an empty table of
// the same shape; rounds alternate, best of each compared (`migrate_snapshot_ratio_vs_copy` = copy time /
// migrate time: 1 means as fast as COPY). Change stream: M single-row updates (one transaction each, from
// several connections) replicated to the target while following (`cdc_rate`), then updates at a steady
// rate with the commit-to-target latency of each (source commit clock vs. a target trigger's clock, one server).
// CLOUDPULSE_BENCH_CDC_UPDATES=0 runs the snapshot only.

const ROWS = Number(process.env['CLOUDPULSE_BENCH_MIGRATE_ROWS'] ?? 1_000_000);
const UPDATES = Number(process.env['CLOUDPULSE_BENCH_CDC_UPDATES'] ?? 200_000);
const STEADY_RATE = Number(process.env['CLOUDPULSE_BENCH_CDC_RATE'] ?? 5_000);
const STEADY_SECONDS = Number(process.env['CLOUDPULSE_BENCH_CDC_SECONDS'] ?? 10);
const ROUNDS = Number(process.env['CLOUDPULSE_BENCH_MIGRATE_ROUNDS'] ?? 2);
const WRITERS = 8;

export async function runMigrateBench(): Promise<void> {
  await postgres.install();
  const server = await postgres.start();
  const out = await mkdtemp(join(tmpdir(), 'cloudpulse-migrate-bench-'));
  try {
    await postgres.ready(server);
    const url = (db: string): string => `postgres://${server.settings.user}@${server.settings.host}:${server.settings.port}/${db}`;
    const admin = await connect(server.settings.url);
    await admin.query('CREATE DATABASE bench_src');
    await admin.query('CREATE DATABASE bench_dst');
    await admin.end();
    const source = await connect(url('bench_src'));
    const target = await connect(url('bench_dst'));
    const columns = 'id bigint PRIMARY KEY, symbol text, price numeric(12,4), qty integer, at timestamptz, day date, flag boolean, note text';
    await source.query(`CREATE TABLE rows (${columns})`);
    await source.query(
      `INSERT INTO rows SELECT i, 'S' || (i % 500), round((random() * 1000)::numeric, 4), (random() * 1e6)::int, now() - i * interval '1 second', current_date - (i % 3650), i % 3 = 0, md5(i::text)
         FROM generate_series(1, ${ROWS}) i`,
    );
    await source.query('ANALYZE rows');
    console.log(`${ROWS.toLocaleString('en-US')} source rows (server ${server.settings.host}:${server.settings.port})`);

    let bestCopy = Infinity;
    let bestMigrate = Infinity;
    for (let round = 1; round <= ROUNDS; round++) {
      await target.query(`DROP TABLE IF EXISTS copy_rows; CREATE TABLE copy_rows (${columns})`);
      const copyStart = performance.now();
      const reader = await connect(url('bench_src'));
      await pipeline(reader.query(copyTo('COPY (SELECT * FROM rows ORDER BY id) TO STDOUT')), target.query(copyFrom('COPY copy_rows FROM STDIN')));
      await reader.end();
      const copySeconds = (performance.now() - copyStart) / 1000;

      await target.query(`DROP SCHEMA IF EXISTS ours_${round} CASCADE`);
      const migrateStart = performance.now();
      await runMigrate({ from: url('bench_src'), to: `${url('bench_dst')}?schema=ours_${round}`, tables: ['rows'], name: `snap${round}`, snapshotOnly: true, out });
      const migrateSeconds = (performance.now() - migrateStart) / 1000;
      const copied = Number((await target.query<{ n: string }>(`SELECT count(*)::text AS n FROM ours_${round}.rows`)).rows[0]!.n);
      if (copied !== ROWS) throw new Error(`migrate copied ${copied} rows, expected ${ROWS}`);
      console.log(`round ${round}: COPY … TO STDOUT | COPY … FROM STDIN ${rate(ROWS, copySeconds)} rows/s (${copySeconds.toFixed(2)} s); migrate --snapshot-only ${rate(ROWS, migrateSeconds)} rows/s (${migrateSeconds.toFixed(2)} s)`);
      bestCopy = Math.min(bestCopy, copySeconds);
      bestMigrate = Math.min(bestMigrate, migrateSeconds);
    }
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    const snapshotRatio = `migrate_snapshot_ratio_vs_copy=${(bestCopy / bestMigrate).toFixed(2)}`;
    console.log(snapshotRatio);
    if (UPDATES <= 0) {
      // CLOUDPULSE_BENCH_CDC_UPDATES=0: the snapshot only.
      await source.end();
      await target.end();
      return;
    }

    // The change stream: a small table, followed; the target stamps each write with the server clock.
    await source.query('CREATE TABLE hot (id integer PRIMARY KEY, v bigint NOT NULL, changed_at timestamptz NOT NULL)');
    await source.query(`INSERT INTO hot SELECT i, 0, clock_timestamp() FROM generate_series(1, 10000) i`);
    const stop = new AbortController();
    const follow = runMigrate({ from: url('bench_src'), to: `${url('bench_dst')}?schema=cdc`, tables: ['hot'], name: 'cdc', snapshotOnly: false, out, signal: stop.signal });
    await waitFor(async () => (await target.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'cdc' AND tablename = 'hot'`)).rowCount === 1);
    await target.query(`ALTER TABLE cdc.hot ADD COLUMN written_at timestamptz`);
    await target.query(`CREATE FUNCTION cdc.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.written_at := clock_timestamp(); RETURN NEW; END $$`);
    await target.query(`CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON cdc.hot FOR EACH ROW EXECUTE FUNCTION cdc.stamp()`);
    await waitFor(async () => Number((await target.query<{ n: string }>('SELECT count(*)::text AS n FROM cdc.hot')).rows[0]!.n) === 10_000);

    const writers = await Promise.all(Array.from({ length: WRITERS }, () => connect(url('bench_src'))));
    const burstStart = performance.now();
    await Promise.all(writers.map(async (client, w) => {
      for (let i = w; i < UPDATES; i += WRITERS) await client.query('UPDATE hot SET v = $2, changed_at = clock_timestamp() WHERE id = $1', [1 + (i % 10_000), i + 1]);
    }));
    const lastKey = 1 + ((UPDATES - 1) % 10_000);
    await waitFor(async () => Number((await target.query<{ v: string }>('SELECT v::text FROM cdc.hot WHERE id = $1', [lastKey])).rows[0]?.v ?? 0) === UPDATES);
    const burstSeconds = (performance.now() - burstStart) / 1000;
    console.log(`${UPDATES.toLocaleString('en-US')} single-row updates committed and replicated in ${burstSeconds.toFixed(2)} s`);
    const cdcRate = `cdc_rate=${Math.round(UPDATES / burstSeconds)}`;
    console.log(cdcRate);

    // Steady rate: each update's latency is target write time − source commit time (same server clock).
    const latencies: number[] = [];
    const total = STEADY_RATE * STEADY_SECONDS;
    const steadyStart = performance.now();
    let issued = 0;
    await Promise.all(writers.map(async (client, w) => {
      for (let i = w; i < total; i += WRITERS) {
        const due = steadyStart + (i / STEADY_RATE) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await client.query('UPDATE hot SET v = $2, changed_at = clock_timestamp() WHERE id = $1', [1 + (i % 10_000), -(i + 1)]);
        issued++;
      }
    }));
    await waitFor(async () => Number((await target.query<{ n: string }>('SELECT count(*)::text AS n FROM cdc.hot WHERE v < 0 AND v >= $1', [-total])).rows[0]!.n) === Math.min(total, 10_000));
    const result = await target.query<{ ms: string }>(`SELECT (extract(epoch FROM written_at - changed_at) * 1000)::text AS ms FROM cdc.hot WHERE v < 0`);
    for (const row of result.rows) latencies.push(Number(row.ms));
    latencies.sort((a, b) => a - b);
    const p = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    console.log(`steady ${STEADY_RATE}/s for ${STEADY_SECONDS} s (${issued} updates; latency of the last update per key, ${latencies.length} keys): p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms`);
    stop.abort();
    await follow;
    // The figures together, the snapshot ratio last (the benches' convention).
    console.log(cdcRate);
    console.log(`cdc_p99_latency_ms=${p(0.99).toFixed(0)}`);
    console.log(snapshotRatio);
    for (const client of writers) await client.end();
    await source.end();
    await target.end();
  } finally {
    await rm(out, { recursive: true, force: true });
    await postgres.stop(server);
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('benchmark: gave up waiting');
    await sleep(20);
  }
}

function rate(rows: number, seconds: number): string {
  return Math.round(rows / seconds).toLocaleString('en-US');
}
