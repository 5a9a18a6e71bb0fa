import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { valueToRowFor } from '../cli/daemon-row-builder.js';
import { kafkaSourceConfigSchema } from '../connectors/kafka/config.js';
import { createKafkaClient } from '../connectors/kafka/create-kafka-client.js';
import { JsonDecoder } from '../connectors/kafka/decode-value.js';
import { KafkaRowProducer } from '../connectors/kafka/kafka-row-producer.js';
import { KafkaSource } from '../connectors/kafka/kafka-source.js';
import { createPostgresSink } from '../connectors/postgres/create-postgres-sink.js';
import { EngineEvents, MemoryDeadLetterSink, PipelineRunner, type Row, type Sink, type Source } from '../engine/index.js';
import { generateTicks, openFileSource, readFirstLines } from '../replay/index.js';
import { kafka as kafkaService } from '../test/services/kafka/kafka.js';
import { postgres } from '../test/services/postgres/postgres.js';
import { runKafkaSteady, steadySettingsFromEnv } from './kafka-latency-bench.js';
import { barsOnlyTopology, ticksInput } from './replay-bars-topology.js';
import { LastRowSink } from './replay-last-row-sink.js';

// On one topic of generated ticks (6 partitions, JSON values of ~80 bytes, keyed by symbol), in one run:
// (a) kcat -C -e reading it all (the floor), (b) a bare kafkajs eachBatch loop doing the JSON decode and a
// 1-minute OHLCV per symbol by hand, (c) the same as a CloudPulse topology (KafkaSource → PipelineRunner →
// bars) into an in-memory sink, (d) the same into PostgreSQL with positions in the same transaction.
// Rates are records over the time from the first record handed over to the last one done (group joins
// excluded, the same for b, c and d); (a) is kcat's whole run. CLOUDPULSE_BENCH_RECORDS scales the input.
// The machine is shared and the bare loop alone swings by 2× between runs: (b) and (c) alternate over
// CLOUDPULSE_BENCH_ROUNDS rounds (default 3, the order flips each round, a fresh consumer group each
// run) and the ratio is of their medians. (c)'s bars are checked against (b)'s (same symbol-minutes).

const RECORDS = Number(process.env['CLOUDPULSE_BENCH_RECORDS'] ?? 1_000_000);
const ROUNDS = Number(process.env['CLOUDPULSE_BENCH_ROUNDS'] ?? 3);
const PARTITIONS = 6;
const exec = promisify(execFile);

interface Bar { open: number; high: number; low: number; close: number; volume: number; pv: number }

export async function produce(brokers: string[], dir: string, topic: string): Promise<void> {
  const path = await generateTicks({ dir, seed: 20_250_404, rows: RECORDS, symbols: 8 });
  const producer = new KafkaRowProducer(createKafkaClient({ brokers, clientId: 'bench', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000 }, () => {}), { topic, keyField: 'symbol', partitions: PARTITIONS });
  await producer.open();
  const source = openFileSource({ files: [path], readOptions: ticksInput.readOptions('ticks.csv', await readFirstLines(path, 8)), batchSize: 5_000 });
  // Sends one after another: concurrent sends interleave their requests, and a partition's ticks out of
  // event-time order by more than the topology's minute of out-of-orderness would be late (dropped).
  let sent = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    source.open({ topology: 'bench', clock: { now: Date.now, setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } }, events: new EngineEvents(), resumeFrom: [], deadLetter: () => {} })
      .subscribe({ next: (batch) => void (sent = sent.then(() => producer.send(batch.records))), error: reject, complete: resolve });
  });
  await sent;
  await producer.close();
}

async function kcatFloor(bootstrap: string, topic: string): Promise<number> {
  const started = process.hrtime.bigint();
  await exec('sh', ['-c', `kcat -b ${bootstrap} -C -t ${topic} -o beginning -e -q > /dev/null`], { maxBuffer: 1 << 20 });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Seconds from the first batch to the last, and the number of (symbol, minute) bars built. */
export async function bareKafkajs(brokers: string[], topic: string): Promise<{ seconds: number; bars: number }> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now()}`, maxWaitTimeInMs: 250 });
  const bars = new Map<string, Bar>();
  let remaining = [...ends.values()].reduce((a, b) => a + b, 0);
  let first = 0n;
  let last = 0n;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((done) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (first === 0n) first = process.hrtime.bigint();
        for (const message of batch.messages) {
          const tick = JSON.parse(message.value!.toString('utf8')) as { ts: number; symbol: string; price: number; volume: number };
          const id = `${tick.symbol}|${Math.floor(tick.ts / 60_000)}`;
          const bar = bars.get(id);
          if (bar === undefined) bars.set(id, { open: tick.price, high: tick.price, low: tick.price, close: tick.price, volume: tick.volume, pv: tick.price * tick.volume });
          else {
            if (tick.price > bar.high) bar.high = tick.price;
            if (tick.price < bar.low) bar.low = tick.price;
            bar.close = tick.price;
            bar.volume += tick.volume;
            bar.pv += tick.price * tick.volume;
          }
        }
        remaining -= batch.messages.length;
        if (remaining <= 0) {
          last = process.hrtime.bigint();
          done();
        }
      },
    });
  });
  await consumer.disconnect();
  if (bars.size === 0) throw new Error('bare kafkajs loop built no bars');
  return { seconds: Number(last - first) / 1e9, bars: bars.size };
}

export async function cloudpulse(brokers: string[], topic: string, sink: Sink): Promise<{ seconds: number; recordsIn: number; late: number }> {
  const log = (): void => {};
  const kafka = createKafkaClient({ brokers, clientId: 'bench-cloudpulse', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000 }, log);
  const config = kafkaSourceConfigSchema.parse({ topic, groupId: `bench-cp-${Date.now()}-${sink.name}`, stopAt: 'end' });
  const source = new KafkaSource({ kafka, config, decoder: new JsonDecoder(), toRow: valueToRowFor(ticksInput, topic), log });
  const events = new EngineEvents();
  let first = 0n;
  events.on((event) => {
    if (event.type === 'batch_processed' && first === 0n) first = process.hrtime.bigint();
  });
  const runner = new PipelineRunner({ topology: barsOnlyTopology, streams: { ticks: source as Source<Row> }, sinks: [sink], deadLetters: new MemoryDeadLetterSink(), events });
  const summary = await runner.run();
  const seconds = Number(process.hrtime.bigint() - first) / 1e9;
  await source.shutdown();
  return { seconds, recordsIn: summary.recordsIn, late: summary.late };
}

function rate(seconds: number): string {
  return Math.round(RECORDS / seconds).toLocaleString('en-US');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function rss(): string {
  return `${Math.round(process.memoryUsage().rss / 1048576)} MiB`;
}

export async function runKafkaBench(): Promise<void> {
  if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 1) throw new Error(`CLOUDPULSE_BENCH_ROUNDS must be a positive integer, got ${process.env['CLOUDPULSE_BENCH_ROUNDS']}`);
  await kafkaService.install();
  await postgres.install();
  const broker = await kafkaService.start();
  const pg = await postgres.start();
  const dir = await mkdtemp(join(tmpdir(), 'cp-kafka-bench-'));
  try {
    await Promise.all([kafkaService.ready(broker), postgres.ready(pg)]);
    const brokers = [...broker.settings.brokers];
    const topic = `bench-ticks-${Date.now()}`;
    console.log(`producing ${RECORDS.toLocaleString('en-US')} ticks to ${topic} (${PARTITIONS} partitions)…`);
    await produce(brokers, dir, topic);

    const kcat = await kcatFloor(broker.settings.bootstrap, topic);
    console.log(`(a) kcat -C -e:                 ${kcat.toFixed(2)} s  ${Math.round(RECORDS / kcat).toLocaleString('en-US')} records/s`);
    const bareSeconds: number[] = [];
    const cloudpulseSeconds: number[] = [];
    const runBare = async (round: number): Promise<number> => {
      const bare = await bareKafkajs(brokers, topic);
      bareSeconds.push(bare.seconds);
      console.log(`(b) bare kafkajs eachBatch:     ${bare.seconds.toFixed(2)} s  ${rate(bare.seconds)} records/s  (round ${round}, load ${loadavg()[0]!.toFixed(1)})`);
      return bare.bars;
    };
    const runCloudpulse = async (round: number, bars: () => number): Promise<void> => {
      const sink = new LastRowSink();
      const discard = await cloudpulse(brokers, topic, sink);
      if (discard.recordsIn !== RECORDS) throw new Error(`cloudpulse read ${discard.recordsIn} of ${RECORDS} records`);
      const built = sink.rows(barsOnlyTopology.outputs[0]!.name).length;
      if (built !== bars() || discard.late > 0) throw new Error(`cloudpulse built ${built} bars (${discard.late} records late), the bare loop ${bars()}`);
      cloudpulseSeconds.push(discard.seconds);
      console.log(`(c) cloudpulse → memory sink:   ${discard.seconds.toFixed(2)} s  ${rate(discard.seconds)} records/s  (round ${round}, load ${loadavg()[0]!.toFixed(1)}, rss ${rss()})`);
    };
    let bars = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      if (round % 2 === 1) {
        bars = await runBare(round);
        await runCloudpulse(round, () => bars);
      } else {
        // (c) first: checked against the bars of the previous round's (b), the same topic.
        await runCloudpulse(round, () => bars);
        bars = await runBare(round);
      }
    }
    const bare = median(bareSeconds);
    const discard = { seconds: median(cloudpulseSeconds) };
    console.log(`medians over ${ROUNDS} rounds: (b) ${rate(bare)} records/s, (c) ${rate(discard.seconds)} records/s; per round (c)/(b): ${bareSeconds.map((b, i) => (b / cloudpulseSeconds[i]!).toFixed(2)).join(' ')}`);
    const eos = await cloudpulse(brokers, topic, createPostgresSink(`${pg.settings.url}?schema=bench_kafka`));
    if (eos.recordsIn !== RECORDS) throw new Error(`cloudpulse → postgres read ${eos.recordsIn} of ${RECORDS} records`);
    console.log(`(d) cloudpulse → postgres EOS:  ${eos.seconds.toFixed(2)} s  ${Math.round(RECORDS / eos.seconds).toLocaleString('en-US')} records/s  (rss ${rss()})`);
    // (e) latency Kafka → PostgreSQL commit and the daemon's RSS at a steady rate: bench/kafka-latency-bench.ts.
    await runKafkaSteady({ brokers, postgresUrl: pg.settings.url, ...steadySettingsFromEnv() });
    console.log(`kafka_ratio_vs_bare_kafkajs=${(bare / discard.seconds).toFixed(2)}`);
    console.log(`kafka_pg_eos_rate=${Math.round(RECORDS / eos.seconds)}`);
  } finally {
    await kafkaService.stop(broker);
    await postgres.stop(pg);
    await rm(dir, { recursive: true, force: true });
  }
}
