import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createPostgresSink } from '../connectors/postgres/create-postgres-sink.js';
import { EngineEvents, systemClock } from '../engine/index.js';
import { kafka as kafkaService } from '../test/services/kafka/kafka.js';
import { postgres } from '../test/services/postgres/postgres.js';
import { kafkaPassthroughTopology } from '../test/kafka/kafka-passthrough-topology.js';
import { CommitWatch } from './kafka-latency-commit-watch.js';
import { latencyOfCommits, type LatencySummary } from './kafka-latency-of-commits.js';
import { PacedProducer } from './kafka-latency-producer.js';
import { RssSampler, rssSlopeMibPerMinute, type RssSample } from './kafka-rss-sampler.js';

// A steady run of the daemon as its own process (`runDaemon`, the code behind `cloudpulse run`, with the
// per-record test topology `kafka-passthrough`: each tick → one row keyed by partition and offset, upserted
// into PostgreSQL with the positions in the same transaction). A paced producer in this process sends
// ticks at a steady rate, each request's records stamped with the time it is sent; a trigger on the
// sink's positions table NOTIFYs, and PostgreSQL delivers a NOTIFY only at commit, so a record's latency
// is "first commit of its partition at or past its offset, as seen here" minus its Kafka timestamp.
// A per-record topology because a window's result (the nvda bars) waits for its window to close plus the
// out-of-orderness bound by design — minutes, not the engine's own latency.
// Meanwhile the daemon's RSS is read from /proc every 10 s.
//
// CLOUDPULSE_BENCH_STEADY_MINUTES (default 1; the issue's run: 10), CLOUDPULSE_BENCH_STEADY_RATE (default 20000).

const PARTITIONS = 6;
const WARM_UP_MS = 5_000;
const DAEMON_CHILD = resolve(import.meta.dirname, '..', 'test', 'kafka', 'daemon-child.ts');
const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export interface SteadyRunSettings {
  readonly brokers: readonly string[];
  readonly postgresUrl: string;
  readonly seconds: number;
  readonly recordsPerSecond: number;
}

export interface SteadyRunResult {
  readonly produced: number;
  readonly latency: LatencySummary;
  readonly perMinute: readonly LatencySummary[];
  readonly rss: readonly RssSample[];
  readonly rssSlope: number;
  readonly daemonExit: number | null;
}

export function steadySettingsFromEnv(): { seconds: number; recordsPerSecond: number } {
  const minutes = Number(process.env['CLOUDPULSE_BENCH_STEADY_MINUTES'] ?? 1);
  const rate = Number(process.env['CLOUDPULSE_BENCH_STEADY_RATE'] ?? 20_000);
  if (!(minutes > 0)) throw new Error(`CLOUDPULSE_BENCH_STEADY_MINUTES must be a positive number, got ${process.env['CLOUDPULSE_BENCH_STEADY_MINUTES']}`);
  if (!(rate > 0)) throw new Error(`CLOUDPULSE_BENCH_STEADY_RATE must be a positive number, got ${process.env['CLOUDPULSE_BENCH_STEADY_RATE']}`);
  return { seconds: Math.round(minutes * 60), recordsPerSecond: rate };
}

/** One steady run; prints its figures, ending with `kafka_daemon_rss_slope_mib_per_min` and `kafka_pg_p99_latency_ms`. */
export async function runKafkaSteady(settings: SteadyRunSettings): Promise<SteadyRunResult> {
  const { brokers, postgresUrl, seconds, recordsPerSecond } = settings;
  const kafka = new Kafka({ clientId: 'bench-steady', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const topic = `bench-steady-${Date.now()}`;
  const schema = `bench_steady_${Date.now()}`;
  const sinkUrl = `${postgresUrl}?schema=${schema}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  // The positions table must exist before the trigger that watches it.
  const sink = createPostgresSink(sinkUrl);
  await sink.open({ topology: kafkaPassthroughTopology.name, tables: kafkaPassthroughTopology.outputs, clock: systemClock, events: new EngineEvents() });
  await sink.close();
  const watch = new CommitWatch(postgresUrl, schema, topic);
  await watch.start();

  const daemon = startDaemon({
    kafka: { brokers: [...brokers], clientId: 'bench-steady-daemon' },
    metrics: { host: '127.0.0.1', port: 0 },
    drainTimeoutMs: 30_000,
    pipelines: [{
      name: 'bench-steady',
      topology: kafkaPassthroughTopology.name,
      inputs: { ticks: { topic, groupId: `bench-steady-${Date.now()}`, startFrom: 'earliest', stopAt: 'never' } },
      sinks: [sinkUrl],
      deadLetter: { topic: `${topic}-dlq` },
    }],
  });
  const producer = new PacedProducer(kafka, { topic, partitions: PARTITIONS, recordsPerSecond });
  // Each sample is printed as it comes, so a long run that fails late still leaves its series.
  const sampler = new RssSampler(daemon.pid, 10_000, (s) => console.log(`  t=${Math.round(s.atSeconds)}s daemon RSS ${s.mib.toFixed(0)} MiB, CPU ${s.cpuSeconds.toFixed(1)} s; produced ${producer.recordsAcknowledged.toLocaleString('en-US')}; committed ${[...watch.committedThrough().values()].reduce((sum, o) => sum + o + 1, 0).toLocaleString('en-US')}`));
  let daemonExit: number | null = null;
  try {
    await daemon.assigned(PARTITIONS, 120_000);
    console.log(`steady run: ${recordsPerSecond.toLocaleString('en-US')} records/s for ${seconds} s into the daemon (pid ${daemon.pid}; kafka-passthrough → postgres, positions in the same transaction); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on 2 shared cores`);
    const startedAt = Date.now();
    await sampler.start();
    await producer.start();
    await sleep(seconds * 1000);
    await producer.stop();
    await sampler.stop();
    const caughtUp = await waitForCommits(watch, producer, 60_000);
    console.log(`produced ${producer.recordsSent.toLocaleString('en-US')} (${Math.round(producer.recordsSent / ((Date.now() - startedAt) / 1000)).toLocaleString('en-US')} records/s over the run); every record committed: ${caughtUp}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    daemonExit = await daemon.stop();
    const latency = latencyOfCommits(producer.spans, watch.commits, startedAt + WARM_UP_MS);
    const perMinute: LatencySummary[] = [];
    for (let from = startedAt; from < startedAt + seconds * 1000 && seconds >= 120; from += 60_000) perMinute.push(latencyOfCommits(producer.spans, watch.commits, from, from + 60_000));
    const rssSlope = rssSlopeMibPerMinute(sampler.samples);
    printSteady({ produced: producer.recordsSent, latency, perMinute, rss: sampler.samples, rssSlope, daemonExit });
    return { produced: producer.recordsSent, latency, perMinute, rss: sampler.samples, rssSlope, daemonExit };
  } finally {
    await producer.stop(1_000).catch(() => undefined);
    await sampler.stop().catch(() => undefined);
    if (daemonExit === null) daemon.kill();
    await watch.stop();
  }
}

function printSteady(result: SteadyRunResult): void {
  const { latency } = result;
  console.log(`latency Kafka timestamp → PostgreSQL commit (${latency.records.toLocaleString('en-US')} records after a ${WARM_UP_MS / 1000} s warm-up, ${latency.uncommitted} never seen committed): p50 ${latency.p50} ms, p90 ${latency.p90} ms, p99 ${latency.p99} ms, max ${latency.max} ms`);
  if (result.perMinute.length > 0) console.log(`  p99 per minute: ${result.perMinute.map((m) => `${m.p99} ms`).join(', ')}`);
  console.log(`daemon RSS every 10 s: ${result.rss.map((s) => `${Math.round(s.atSeconds)}s ${s.mib.toFixed(0)}`).join(', ')} MiB`);
  const last = result.rss[result.rss.length - 1];
  if (last !== undefined && last.atSeconds > 0) console.log(`daemon CPU: ${((100 * last.cpuSeconds) / last.atSeconds).toFixed(0)}% of one core on average (${last.cpuSeconds.toFixed(1)} s in ${last.atSeconds.toFixed(0)} s)`);
  console.log(`daemon exit code after SIGTERM: ${result.daemonExit}`);
  console.log(`kafka_daemon_rss_slope_mib_per_min=${result.rssSlope.toFixed(2)}`);
  console.log(`kafka_pg_p99_latency_ms=${latency.p99}`);
}

/** Waits until the last produced offset of every partition is seen committed. */
async function waitForCommits(watch: CommitWatch, producer: PacedProducer, timeoutMs: number): Promise<boolean> {
  const last = new Map<number, number>();
  for (const span of producer.spans) last.set(span.partition, Math.max(last.get(span.partition) ?? -1, span.baseOffset + span.count - 1));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const through = watch.committedThrough();
    if ([...last].every(([p, offset]) => (through.get(p) ?? -1) >= offset)) return true;
    await sleep(100);
  }
  return false;
}

interface DaemonProcess {
  readonly pid: number;
  assigned(partitions: number, timeoutMs: number): Promise<void>;
  /** SIGTERM (graceful drain); resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
}

function startDaemon(config: Record<string, unknown>): DaemonProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', DAEMON_CHILD, JSON.stringify(config)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let assigned = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    assigned += text.split('"msg":"assigned"').length - 1;
    tail = (tail + text).slice(-4_000);
  });
  child.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4_000)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let running = true;
  void exited.then(() => (running = false));
  return {
    pid: child.pid!,
    async assigned(partitions, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (assigned < partitions) {
        if (!running) throw new Error(`the daemon exited before its partitions were assigned: ${tail}`);
        if (Date.now() > deadline) throw new Error(`the daemon was not assigned ${partitions} partitions within ${timeoutMs} ms: ${tail}`);
        await sleep(50);
      }
    },
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) console.log(`daemon output (tail): ${tail}`);
      return code;
    },
    kill() {
      if (running) child.kill('SIGKILL');
    },
  };
}

/** `npm run bench -- kafka-steady`: starts Kafka and PostgreSQL and does one steady run. */
export async function runKafkaSteadyBench(): Promise<void> {
  await kafkaService.install();
  await postgres.install();
  const broker = await kafkaService.start();
  const pg = await postgres.start();
  try {
    await Promise.all([kafkaService.ready(broker), postgres.ready(pg)]);
    await runKafkaSteady({ brokers: broker.settings.brokers, postgresUrl: pg.settings.url, ...steadySettingsFromEnv() });
  } finally {
    await kafkaService.stop(broker);
    await postgres.stop(pg);
  }
}
