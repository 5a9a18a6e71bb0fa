// Where the Kafka → PostgreSQL latency goes, stage by stage: the pipeline of the steady run
// (KafkaSource → PipelineRunner with the kafka-passthrough topology → Postgres sink) in this process,
// observed at each hand-over, with the paced producer in a process of its own. The headline figure is
// `npm run bench -- kafka-steady` (the daemon as its own process); this one attributes it.
//
//   npx tsx bench/kafka-latency-profile.ts [seconds=40] [records/s=20000]
//   CLOUDPULSE_PROFILE_SOURCE='{"maxWaitTimeMs":50}'   source settings to try
//   CLOUDPULSE_PROFILE_ASYNC_KAFKA_COMMIT=1            the runner's Kafka offset commit off the write path
//
// For each stage the percentiles are of "stage reached − Kafka timestamp" per record.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { tap } from 'rxjs';
import { valueToRowFor } from '../cli/daemon-row-builder.js';
import { kafkaSourceConfigSchema } from '../connectors/kafka/config.js';
import { createKafkaClient } from '../connectors/kafka/create-kafka-client.js';
import { JsonDecoder } from '../connectors/kafka/decode-value.js';
import { KafkaSource } from '../connectors/kafka/kafka-source.js';
import { createPostgresSink } from '../connectors/postgres/create-postgres-sink.js';
import { EngineEvents, MemoryDeadLetterSink, PipelineRunner, systemClock, type Row, type Sink, type Source } from '../engine/index.js';
import { kafkaPassthroughTopology } from '../test/kafka/kafka-passthrough-topology.js';
import { kafka as kafkaService } from '../test/services/kafka/kafka.js';
import { postgres } from '../test/services/postgres/postgres.js';
import { CommitWatch, type ObservedCommit } from './kafka-latency-commit-watch.js';
import { latencyOfCommits } from './kafka-latency-of-commits.js';
import { PacedProducer, type ProducedSpan } from './kafka-latency-producer.js';

const seconds = Number(process.argv[2] ?? 40);
const rate = Number(process.argv[3] ?? 20_000);
const WARM_UP_MS = 5_000;
const PRODUCER_CHILD = resolve(import.meta.dirname, 'kafka-latency-producer-child.ts');

/** Per partition, the highest offset among records, stamped with the time of the call. */
function marks(positions: readonly { partition: string; offset: number }[], at: number, into: ObservedCommit[]): void {
  const max = new Map<number, number>();
  for (const { partition, offset } of positions) max.set(Number(partition), Math.max(max.get(Number(partition)) ?? -1, offset));
  for (const [partition, offset] of max) into.push({ partition, offset, seenAt: at });
}

function distribution(values: number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return `n ${values.length}, p50 ${at(0.5).toFixed(1)}, p90 ${at(0.9).toFixed(1)}, p99 ${at(0.99).toFixed(1)}, max ${sorted[sorted.length - 1]!.toFixed(1)}`;
}

async function profile(brokers: string[], postgresUrl: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-profile', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-profile-${Date.now()}`;
  const schema = `bench_profile_${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  await admin.disconnect();

  const postgresSink = createPostgresSink(`${postgresUrl}?schema=${schema}`);
  await postgresSink.open({ topology: kafkaPassthroughTopology.name, tables: kafkaPassthroughTopology.outputs, clock: systemClock, events: new EngineEvents() });
  await postgresSink.close();
  const watch = new CommitWatch(postgresUrl, schema, topic);
  await watch.start();

  const arrived: ObservedCommit[] = [];
  const writeStarted: ObservedCommit[] = [];
  const writeEnded: ObservedCommit[] = [];
  const kafkaCommitMs: number[] = [];
  const writeMs: number[] = [];
  const writeRecords: number[] = [];
  const gapMs: number[] = [];
  let lastWriteEnd = 0;

  const sinkTarget = createPostgresSink(`${postgresUrl}?schema=${schema}`);
  const sink = new Proxy(sinkTarget, {
    get(target, property, receiver) {
      if (property === 'write') {
        return async (batch: Parameters<Sink['write']>[0], ctx: Parameters<Sink['write']>[1]) => {
          const started = Date.now();
          if (lastWriteEnd > 0) gapMs.push(started - lastWriteEnd);
          marks(batch.map((r) => r.position), started, writeStarted);
          await target.write(batch, ctx);
          lastWriteEnd = Date.now();
          marks(batch.map((r) => r.position), lastWriteEnd, writeEnded);
          writeMs.push(lastWriteEnd - started);
          writeRecords.push(batch.length);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as Sink;

  const log = (): void => {};
  const config = kafkaSourceConfigSchema.parse({ topic, groupId: `bench-profile-${Date.now()}`, stopAt: 'never', ...JSON.parse(process.env['CLOUDPULSE_PROFILE_SOURCE'] ?? '{}') as object });
  const kafkaSource = new KafkaSource({ kafka: createKafkaClient({ brokers, clientId: 'bench-profile-daemon', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000 }, log), config, decoder: new JsonDecoder(), toRow: valueToRowFor(kafkaPassthroughTopology.inputs[0]!, topic), log });
  const asyncCommit = process.env['CLOUDPULSE_PROFILE_ASYNC_KAFKA_COMMIT'] === '1';
  let commitChain = Promise.resolve();
  const source = new Proxy(kafkaSource, {
    get(target, property, receiver) {
      if (property === 'open') {
        return (ctx: Parameters<Source<Row>['open']>[0]) => target.open(ctx).pipe(tap((batch) => marks(batch.records.map((r) => r.position), Date.now(), arrived)));
      }
      if (property === 'commit' && asyncCommit) {
        return (positions: Parameters<Source<Row>['commit']>[0]) => {
          commitChain = commitChain.then(() => target.commit(positions)).catch(() => undefined);
          return Promise.resolve();
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as Source<Row>;

  const events = new EngineEvents();
  let assigned = 0;
  events.on((event) => {
    if (event.type === 'commit') kafkaCommitMs.push(event.seconds * 1000);
    if (event.type === 'consumer_lag') assigned = 1;
  });
  const runner = new PipelineRunner({ topology: kafkaPassthroughTopology, streams: { ticks: source }, sinks: [sink], deadLetters: new MemoryDeadLetterSink(), events });
  const run = runner.run();

  const producer = new PacedProducer(kafka, { topic, partitions: 6, recordsPerSecond: rate });
  // A first record tells when the partitions are assigned and fed.
  await producer.start();
  while (assigned === 0) await sleep(50);
  await producer.stop();
  const spansFile = join(tmpdir(), `${topic}.spans.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', PRODUCER_CHILD, JSON.stringify({ brokers, topic, partitions: 6, recordsPerSecond: rate, seconds, spansFile })], { stdio: 'inherit' });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`the producer exited with ${code}`);
  const { startedAt, spans } = JSON.parse(await readFile(spansFile, 'utf8')) as { startedAt: number; spans: ProducedSpan[] };
  await rm(spansFile);
  await sleep(3_000);
  runner.stop();
  await run;
  await kafkaSource.shutdown();
  await watch.stop();

  const from = startedAt + WARM_UP_MS;
  const acked: ObservedCommit[] = spans.map((s) => ({ partition: s.partition, offset: s.baseOffset + s.count - 1, seenAt: s.ackedAt }));
  const stages: [string, ObservedCommit[]][] = [
    ['broker ack (producer)', acked],
    ['arrived at the runner', arrived],
    ['sink write started', writeStarted],
    ['sink write returned', writeEnded],
    ['NOTIFY seen (commit)', watch.commits],
  ];
  console.log(`profile: ${rate} records/s for ${seconds} s, source ${JSON.stringify({ batchSize: config.batchSize, maxWaitTimeMs: config.maxWaitTimeMs })}, async Kafka commit: ${asyncCommit}`);
  for (const [stage, seen] of stages) {
    const s = latencyOfCommits(spans, seen, from);
    console.log(`  Kafka timestamp → ${stage.padEnd(24)} p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms (${s.records} records)`);
  }
  console.log(`  postgres write (ms):            ${distribution(writeMs)}`);
  console.log(`  records per write:              ${distribution(writeRecords)}`);
  console.log(`  idle between writes (ms):       ${distribution(gapMs)}`);
  console.log(`  Kafka offset commit (ms):       ${distribution(kafkaCommitMs)}`);
}

await kafkaService.install();
await postgres.install();
const broker = await kafkaService.start();
const pg = await postgres.start();
try {
  await Promise.all([kafkaService.ready(broker), postgres.ready(pg)]);
  await profile([...broker.settings.brokers], pg.settings.url);
} finally {
  await kafkaService.stop(broker);
  await postgres.stop(pg);
}
