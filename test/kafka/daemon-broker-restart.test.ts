// @services postgres
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTicks } from '../../replay/index.js';
import { runCli } from '../cli/run-cli.js';
import { waitUntil } from '../migrate/wait-until.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { startDaemon } from './daemon-process.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { endOffsets, pipelineConfig, testKafka } from './kafka-test-kit.js';
import { expectPassthroughExactlyOnce, preparePassthroughSchema, storedRecords, waitingForLocks } from './passthrough-checks.js';
import { RestartableKafka } from './restartable-kafka.js';

const TICKS = 100_000;
const SCHEMA = 'broker_restart';
const PIPELINE = 'broker-restart';

// The broker is this file's own (the shared one serves other test files): stopped and started again on the
// same port and data directory while the daemon runs.
describe('cloudpulse run: the Kafka broker restarted mid-run', () => {
  let broker: RestartableKafka;
  let db: TestDatabase;
  let dir: string;
  let topic: string;
  let ends: Map<number, number>;

  beforeAll(async () => {
    broker = await RestartableKafka.start();
    db = await openTestDatabase('kafka_broker_restart');
    dir = await mkdtemp(join(tmpdir(), 'cp-kafka-broker-restart-'));
    await generateTicks({ dir, seed: 20_250_404, rows: TICKS, symbols: 8 });
    topic = `ticks-broker-restart-${randomUUID()}`;
    const produced = await runCli(['replay', 'nvda', '--data', dir, '--file', 'ticks.csv', '--to', `kafka://${topic}`, '--brokers', broker.bootstrap, '--partitions', '6']);
    expect(produced.code, produced.stderr).toBe(0);
    ends = await endOffsets(testKafka(broker.brokers), topic);
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the daemon retries through the outage, resumes, and applies every record exactly once', async () => {
    const url = `${db.url}?schema=${SCHEMA}`;
    await preparePassthroughSchema(db, url, SCHEMA);
    const config = pipelineConfig({
      brokers: broker.brokers, name: PIPELINE, topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId: `broker-restart-${randomUUID()}`,
      sink: url, deadLetterTopic: `${topic}-dlq`, pipeline: { maxInFlightRecords: 3_000 },
    });
    const daemon = startDaemon(config);
    const blocker = await db.connect();
    try {
      await waitUntil('a third of the ticks is durable', async () => (await storedRecords(db, SCHEMA, PIPELINE)) >= TICKS / 3, 90_000);
      // Hold the daemon's next write, so it is mid-run (records in flight, source paused) when the broker goes.
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${SCHEMA}.kafka_ticks_out IN EXCLUSIVE MODE`);
      await waitUntil('the daemon waits for its write', async () => (await waitingForLocks(db)) > 0);
      await broker.stopBroker();
      const before = daemon.logs().length;
      await blocker.query('ROLLBACK');
      // Its write commits (data and positions in PostgreSQL); committing the offsets to Kafka and fetching fail.
      await waitUntil('the daemon runs into the stopped broker', async () => daemon.logs().slice(before).some((l) => Number(l['level']) >= 40), 60_000);
      const atRestart = await storedRecords(db, SCHEMA, PIPELINE);
      expect(atRestart).toBeLessThan(TICKS);
      await broker.startBroker();
      const outcome = await daemon.outcome;
      expect(outcome.code, outcome.stdout.slice(-3000)).toBe(0);
      const outage = outcome.logs.slice(before).filter((l) => Number(l['level']) >= 40).map((l) => l.msg);
      console.log(`broker restart: ${atRestart} of ${TICKS} records durable at the restart; warnings during the outage: ${[...new Set(outage)].slice(0, 6).join(' | ')}`);
    } catch (error) {
      const outcome = await daemon.kill();
      throw new Error(`${(error as Error).message}; daemon log: ${outcome.stdout.slice(-4000)}`, { cause: error });
    } finally {
      await blocker.end().catch(() => undefined);
    }
    await expectPassthroughExactlyOnce(db, SCHEMA, PIPELINE, ends, join(dir, 'ticks.csv'));
  }, 180_000);
});
