// @services kafka
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTicks } from '../../replay/index.js';
import { runCli } from '../cli/run-cli.js';
import { RestartablePostgres } from '../migrate/restartable-postgres.js';
import { waitUntil } from '../migrate/wait-until.js';
import { serviceSettings } from '../services/index.js';
import { startDaemon } from './daemon-process.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { endOffsets, pipelineConfig, testKafka } from './kafka-test-kit.js';
import { expectPassthroughExactlyOnce, preparePassthroughSchema, storedRecords, waitingForLocks, type Database } from './passthrough-checks.js';

const TICKS = 100_000;
const SCHEMA = 'target_restart';
const PIPELINE = 'postgres-restart';
const DATABASE = 'daemon_target';

// The PostgreSQL server is this file's own (the shared one serves other test files): a fast shutdown while
// the daemon has a transaction in flight, then the same server started again on the same port and data.
describe('cloudpulse run: the PostgreSQL target restarted mid-run', () => {
  const { brokers, bootstrap } = serviceSettings('kafka');
  let server: RestartablePostgres;
  let db: Database;
  let dir: string;
  let topic: string;
  let ends: Map<number, number>;

  beforeAll(async () => {
    server = await RestartablePostgres.start();
    await server.createDatabase(DATABASE);
    const connect = async (): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString: server.databaseUrl(DATABASE) });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    db = {
      database: DATABASE,
      connect,
      async query<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
        const client = await connect();
        try {
          return (await client.query<R>(sql, [...params])).rows;
        } finally {
          await client.end();
        }
      },
    };
    dir = await mkdtemp(join(tmpdir(), 'cp-kafka-pg-restart-'));
    await generateTicks({ dir, seed: 20_250_505, rows: TICKS, symbols: 8 });
    topic = `ticks-pg-restart-${randomUUID()}`;
    const produced = await runCli(['replay', 'nvda', '--data', dir, '--file', 'ticks.csv', '--to', `kafka://${topic}`, '--brokers', bootstrap, '--partitions', '6']);
    expect(produced.code, produced.stderr).toBe(0);
    ends = await endOffsets(testKafka(brokers), topic);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the daemon retries the lost transaction, resumes, and applies every record exactly once', async () => {
    const url = `${server.databaseUrl(DATABASE)}?schema=${SCHEMA}`;
    await preparePassthroughSchema(db, url, SCHEMA);
    const config = pipelineConfig({
      brokers, name: PIPELINE, topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId: `pg-restart-${randomUUID()}`,
      sink: url, deadLetterTopic: `${topic}-dlq`, pipeline: { maxInFlightRecords: 3_000 },
    });
    const daemon = startDaemon(config);
    try {
      await waitUntil('a third of the ticks is durable', async () => (await storedRecords(db, SCHEMA, PIPELINE)) >= TICKS / 3, 90_000);
      // Hold the daemon's next write so a transaction of it is open when the server shuts down.
      const blocker = await db.connect();
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${SCHEMA}.kafka_ticks_out IN EXCLUSIVE MODE`);
      await waitUntil('the daemon waits for its write', async () => (await waitingForLocks(db)) > 0);
      const atRestart = await storedRecords(db, SCHEMA, PIPELINE);
      // A fast shutdown aborts every open transaction (the blocker's and the daemon's) and ends their connections.
      await server.restart();
      await blocker.end().catch(() => undefined);
      expect(atRestart).toBeLessThan(TICKS);
      const outcome = await daemon.outcome;
      expect(outcome.code, outcome.stdout.slice(-3000)).toBe(0);
      console.log(`postgres restart: ${atRestart} of ${TICKS} records durable when the server went down`);
    } catch (error) {
      const outcome = await daemon.kill();
      throw new Error(`${(error as Error).message}; daemon log: ${outcome.stdout.slice(-4000)}`, { cause: error });
    }
    await expectPassthroughExactlyOnce(db, SCHEMA, PIPELINE, ends, join(dir, 'ticks.csv'));
  }, 180_000);
});
