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

  /**
   * Runs the passthrough daemon into `schema` (pipeline `pipeline`), stops the broker while a write is held,
   * waits until the daemon has run into the outage and `outageOver` holds, starts the broker again, and checks
   * that the daemon finishes with exit 0 and every record applied exactly once. Returns the daemon's log.
   */
  async function runThroughOutage(schema: string, pipeline: string, outageOver: (logs: readonly { msg: string; [field: string]: unknown }[]) => boolean): Promise<readonly { msg: string; [field: string]: unknown }[]> {
    const url = `${db.url}?schema=${schema}`;
    await preparePassthroughSchema(db, url, schema);
    const config = pipelineConfig({
      brokers: broker.brokers, name: pipeline, topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId: `${pipeline}-${randomUUID()}`,
      // Small fetches: what the daemon holds when the broker goes (in flight and prefetched) is far from all of it.
      sink: url, deadLetterTopic: `${topic}-dlq`, pipeline: { maxInFlightRecords: 3_000 }, extra: { maxBytesPerPartition: 16_384 },
    });
    let logs: readonly { msg: string; [field: string]: unknown }[] = [];
    const daemon = startDaemon(config);
    const blocker = await db.connect();
    try {
      await waitUntil('a third of the ticks is durable', async () => (await storedRecords(db, schema, pipeline)) >= TICKS / 3, 90_000);
      // Hold the daemon's next write, so it is mid-run (records in flight, source paused) when the broker goes.
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${schema}.kafka_ticks_out IN EXCLUSIVE MODE`);
      await waitUntil('the daemon waits for its write', async () => (await waitingForLocks(db)) > 0);
      await broker.stopBroker();
      const before = daemon.logs().length;
      await blocker.query('ROLLBACK');
      // Its write commits (data and positions in PostgreSQL); committing the offsets to Kafka and fetching fail.
      await waitUntil('the daemon runs into the stopped broker', async () => daemon.logs().slice(before).some((l) => Number(l['level']) >= 40), 60_000);
      await waitUntil('the outage has lasted long enough', async () => outageOver(daemon.logs().slice(before)), 120_000);
      const atRestart = await storedRecords(db, schema, pipeline);
      expect(atRestart).toBeLessThan(TICKS);
      await broker.startBroker();
      const outcome = await daemon.outcome;
      expect(outcome.code, outcome.stdout.slice(-3000)).toBe(0);
      logs = outcome.logs.slice(before);
      const outage = logs.filter((l) => Number(l['level']) >= 40).map((l) => l.msg);
      console.log(`broker restart (${pipeline}): ${atRestart} of ${TICKS} records durable at the restart; warnings during the outage: ${[...new Set(outage)].slice(0, 6).join(' | ')}`);
    } catch (error) {
      const outcome = await daemon.kill();
      throw new Error(`${(error as Error).message}; daemon log: ${outcome.stdout.slice(-4000)}`, { cause: error });
    } finally {
      await blocker.end().catch(() => undefined);
    }
    await expectPassthroughExactlyOnce(db, schema, pipeline, ends, join(dir, 'ticks.csv'));
    return logs;
  }

  it('the daemon retries through the outage, resumes, and applies every record exactly once', async () => {
    await runThroughOutage('broker_restart', 'broker-restart', () => true);
  }, 180_000);

  it('an outage long enough for kafkajs to stop its consumer: a new consumer joins and the daemon carries on', async () => {
    // kafkajs gives up on its consumer after its own retries (~10 s): keep the broker away 15 s past its first crash.
    let crashedAt: number | undefined;
    const logs = await runThroughOutage('broker_outage', 'broker-outage', (seen) => {
      crashedAt ??= seen.some((l) => l.msg === 'consumer crashed') ? Date.now() : undefined;
      return crashedAt !== undefined && Date.now() - crashedAt > 15_000;
    });
    const crashes = logs.filter((l) => l.msg === 'consumer crashed');
    expect(crashes.length).toBeGreaterThan(0);
    // A crash kafkajs does not recover from itself is answered by a replaced consumer, not a failed pipeline.
    if (crashes.some((l) => l['restart'] === false)) expect(logs.map((l) => l.msg)).toContain('consumer replaced');
  }, 300_000);
});
