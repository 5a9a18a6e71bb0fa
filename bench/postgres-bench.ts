import { execFile } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { createPostgresSink } from '../connectors/postgres/create-postgres-sink.js';
import { quoteIdentifier } from '../connectors/postgres/quote-identifier.js';
import { ensureTable } from '../connectors/postgres/table-schema.js';
import { EngineEvents, MemoryDeadLetterSink, PipelineRunner, systemClock, type Cell, type Sink, type StreamRecord, type TableRow, type TableSpec } from '../engine/index.js';
import { benchTable, generateRows } from './bar-rows.js';
import { inputBatches, passthroughTopology, ResumableSource } from '../test/conformance/conformance-topology.js';
import { postgres } from '../test/services/postgres/postgres.js';
import type { ServiceInstance } from '../test/services/types.js';

// Writes N generated window-result rows (the shape of a bar table: text + timestamp key, numerics,
// integers, a date, a boolean) into an empty table through the PostgreSQL sink driven by the pipeline
// runner (source batches of 1,000 rows; the runner hands the sink whatever has queued up), and the same
// rows with `psql \copy` (CSV) into an empty table of the same shape, on one server started for the run.
// Rounds alternate so load on the shared machine hits both alike; the best round of each is compared.
// Two more figures, not in the ratio: the sink called directly with fixed 10,000-row batches, and the
// same rows written again (every key exists: the staging-table upsert path instead of the direct COPY).

const ROUNDS = 3;
function csvField(value: Cell | undefined, type: string): string {
  if (value === null || value === undefined) return '';
  if (type === 'timestamptz' && typeof value === 'number') return new Date(value).toISOString();
  const text = String(value);
  return /[",\n\r]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

async function writeCsv(path: string, spec: TableSpec, rows: readonly Record<string, Cell>[]): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (const row of rows) {
    chunk += `${spec.columns.map((c) => csvField(row[c.name], c.type)).join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
}

async function recreate(client: pg.Client, spec: TableSpec): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${quoteIdentifier(spec.name)}`);
  await ensureTable(client, 'public', spec);
  await client.query('CHECKPOINT');
}

/**
 * CPU seconds the server has used so far: the postmaster and its live children, plus the children it has
 * reaped (a psql session's backend ends before we can read it). Says where the time goes, server or client.
 */
function serverCpuSeconds(postmaster: number): number {
  const ticks = (pid: number, withChildren: boolean): number => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch {
      return 0;
    }
  };
  let total = ticks(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmaster) total += ticks(Number(entry), false);
    } catch {
      // gone meanwhile
    }
  }
  return total / 100;
}

interface Timing {
  readonly seconds: number;
  readonly serverCpu: number;
  readonly clientCpu: number;
}

async function timeCopy(server: ServiceInstance<'postgres'>, client: pg.Client, spec: TableSpec, file: string): Promise<Timing> {
  await recreate(client, spec);
  const { host, port, user, database } = server.settings;
  const columns = spec.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const cpu = serverCpuSeconds(server.pid);
  const started = process.hrtime.bigint();
  // `time` reports psql's own CPU (user + system seconds) on stderr.
  const { stderr } = await promisify(execFile)('bash', ['-c', 'TIMEFORMAT="%U %S"; time psql "$@"', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', user, '-d', database,
    '-c', `\\copy ${quoteIdentifier(spec.name)} (${columns}) FROM '${file}' WITH (FORMAT csv)`]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [userCpu, systemCpu] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds, serverCpu: serverCpuSeconds(server.pid) - cpu, clientCpu: (userCpu ?? 0) + (systemCpu ?? 0) };
}

async function timeSink(server: ServiceInstance<'postgres'>, client: pg.Client, spec: TableSpec, records: readonly StreamRecord<TableRow>[], batchSize: number): Promise<Timing> {
  await recreate(client, spec);
  const sink = createPostgresSink({ type: 'postgres', url: server.settings.url, pipeline: `bench_${batchSize}` });
  await sink.open({ topology: 'bench', tables: [spec], clock: systemClock, events: new EngineEvents() });
  const cpu = serverCpuSeconds(server.pid);
  const clientCpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batchSize) {
    const batch = records.slice(i, i + batchSize);
    const last = batch[batch.length - 1]!.position;
    await sink.write(batch, { topology: 'bench', positions: [last], deadLetter: () => undefined });
  }
  await sink.flush(true);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(clientCpu);
  const timing = { seconds, serverCpu: serverCpuSeconds(server.pid) - cpu, clientCpu: (used.user + used.system) / 1e6 };
  await sink.close();
  const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdentifier(spec.name)}`);
  if (Number(count.rows[0]!.n) !== records.length) throw new Error(`sink wrote ${count.rows[0]!.n} rows, expected ${records.length}`);
  return timing;
}

/** Writes every row again over the table `timeSink` left: all keys exist, so every batch upserts. */
async function timeRewrite(server: ServiceInstance<'postgres'>, spec: TableSpec, records: readonly StreamRecord<TableRow>[], batchSize: number): Promise<number> {
  const sink = createPostgresSink({ type: 'postgres', url: server.settings.url, pipeline: 'bench_rewrite' });
  await sink.open({ topology: 'bench', tables: [spec], clock: systemClock, events: new EngineEvents() });
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batchSize) {
    await sink.write(records.slice(i, i + batchSize), { topology: 'bench', positions: [], deadLetter: () => undefined });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sink.close();
  return seconds;
}

/** Counts the sink's writes and rows per write (the runner coalesces queued source batches). */
function countingSink(sink: Sink, writes: number[]): Sink {
  return {
    name: sink.name,
    open: (ctx) => sink.open(ctx),
    write: async (batch, ctx) => {
      await sink.write(batch, ctx);
      writes.push(batch.length);
    },
    flush: (endOfInput) => sink.flush(endOfInput),
    close: () => sink.close(),
  };
}

async function timeRunner(server: ServiceInstance<'postgres'>, client: pg.Client, spec: TableSpec, records: readonly StreamRecord<TableRow>[], writes: number[]): Promise<Timing> {
  await recreate(client, spec);
  const sink = createPostgresSink({ type: 'postgres', url: server.settings.url, pipeline: 'bench_runner' });
  const runner = new PipelineRunner({
    topology: passthroughTopology(spec, 'bench'),
    streams: { rows: new ResumableSource('bench.csv', inputBatches(records, 1000)) },
    sinks: [countingSink(sink, writes)],
    deadLetters: new MemoryDeadLetterSink(),
  });
  const cpu = serverCpuSeconds(server.pid);
  const clientCpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const summary = await runner.run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(clientCpu);
  const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdentifier(spec.name)}`);
  if (Number(count.rows[0]!.n) !== records.length || summary.deadLettered !== 0) throw new Error(`runner wrote ${count.rows[0]!.n} rows, expected ${records.length}`);
  return { seconds, serverCpu: serverCpuSeconds(server.pid) - cpu, clientCpu: (used.user + used.system) / 1e6 };
}

/** The PostgreSQL sink benchmark: rows/s of the sink and of `psql \copy`, best round of each, and their ratio. */
export async function runPostgresBench(): Promise<void> {
  const count = Number(process.env['CLOUDPULSE_BENCH_ROWS'] ?? 1_000_000);
  const batchSize = Number(process.env['CLOUDPULSE_BENCH_BATCH'] ?? 10_000);
  const dir = await mkdtemp(join(tmpdir(), 'cloudpulse-bench-pg-'));
  await postgres.install();
  const server = await postgres.start();
  const client = new pg.Client({ connectionString: server.settings.url });
  try {
    await postgres.ready(server);
    await client.connect();
    const spec = benchTable('bench_bars');
    const rows = generateRows(count);
    const records: StreamRecord<TableRow>[] = rows.map((row, i) => ({
      value: { table: spec.name, row },
      eventTime: row.window_start as number,
      position: { source: 'bench.csv', partition: 'bench.csv', offset: i + 2 },
    }));
    const file = join(dir, 'bench.csv');
    await writeCsv(file, spec, rows);
    console.log(`${count.toLocaleString('en-US')} rows generated (server ${server.settings.host}:${server.settings.port})`);
    let bestCopy = Infinity;
    let bestSink = Infinity;
    for (let round = 1; round <= ROUNDS; round++) {
      const copy = await timeCopy(server, client, spec, file);
      const writes: number[] = [];
      const sink = await timeRunner(server, client, spec, records, writes);
      bestCopy = Math.min(bestCopy, copy.seconds);
      bestSink = Math.min(bestSink, sink.seconds);
      const average = Math.round(count / writes.length).toLocaleString('en-US');
      console.log(`round ${round}: psql \\copy ${rate(count, copy.seconds)} rows/s (${describe(copy)})`);
      console.log(`round ${round}: runner → sink ${rate(count, sink.seconds)} rows/s (${describe(sink)}; ${writes.length} writes, ${average} rows each on average)`);
    }
    const fixed = await timeSink(server, client, spec, records, batchSize);
    console.log(`sink.write with fixed ${batchSize.toLocaleString('en-US')}-row batches: ${rate(count, fixed.seconds)} rows/s (${describe(fixed)})`);
    const upsert = await timeRewrite(server, spec, records, batchSize);
    console.log(`the same rows again (every key exists: staging table + upsert), ${batchSize.toLocaleString('en-US')}-row batches: ${rate(count, upsert)} rows/s (${upsert.toFixed(2)} s)`);
    console.log(`best: psql \\copy ${rate(count, bestCopy)} rows/s, runner → sink ${rate(count, bestSink)} rows/s`);
    console.log(`postgres_ratio_vs_copy=${(bestCopy / bestSink).toFixed(2)}`);
  } finally {
    await client.end().catch(() => undefined);
    await postgres.stop(server);
    await rm(dir, { recursive: true, force: true });
  }
}

function describe(timing: Timing): string {
  return `${timing.seconds.toFixed(2)} s; CPU: server ${timing.serverCpu.toFixed(2)} s, client ${timing.clientCpu.toFixed(2)} s`;
}

function rate(rows: number, seconds: number): string {
  return Math.round(rows / seconds).toLocaleString('en-US');
}
