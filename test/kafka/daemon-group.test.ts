// @services kafka postgres
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../cli/run-replay.js';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { generateTicks } from '../../replay/index.js';
import { findTopology } from '../../topologies/index.js';
import { runCli } from '../cli/run-cli.js';
import { waitUntil } from '../migrate/wait-until.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { groupMembers, groupSplitAmong } from './consumer-group-members.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { startDaemon } from './daemon-process.js';
import { expectPassthroughExactlyOnce, preparePassthroughSchema, prepareSchema } from './passthrough-checks.js';
import { compareTables, endOffsets, pipelineConfig, runDaemonChild, testKafka, type DaemonOutcome } from './kafka-test-kit.js';

const TICKS = 150_000;
// Small in-flight bound: a daemon whose writes are held pauses its source within a few batches (it cannot
// run to the end of its partitions while the test holds it).
const IN_FLIGHT = { maxInFlightRecords: 3_000 };

interface TakeoverRun {
  readonly survivor: DaemonOutcome;
  readonly victim: DaemonOutcome;
  /** From the SIGKILL to the coordinator showing the survivor alone with every partition (reported, not asserted). */
  readonly takeoverMs: number;
}

describe('two daemons in one consumer group, one SIGKILLed: the other takes over its partitions', () => {
  const { brokers, bootstrap } = serviceSettings('kafka');
  const kafka = testKafka(brokers);
  let db: TestDatabase;
  let dir: string;
  let topic: string;
  let ends: Map<number, number>;

  beforeAll(async () => {
    db = await openTestDatabase('kafka_group');
    dir = await mkdtemp(join(tmpdir(), 'cp-kafka-group-'));
    await generateTicks({ dir, seed: 20_250_303, rows: TICKS, symbols: 8 });
    topic = `ticks-group-${randomUUID()}`;
    const produced = await runCli(['replay', 'nvda', '--data', dir, '--file', 'ticks.csv', '--to', `kafka://${topic}`, '--brokers', bootstrap, '--partitions', '6']);
    expect(produced.code, produced.stderr).toBe(0);
    ends = await endOffsets(kafka, topic);
    // 8 symbols keyed over 6 partitions: most (not necessarily all) partitions hold ticks.
    expect([...ends.values()].filter((end) => end > 0).length).toBeGreaterThanOrEqual(4);
  });

  afterAll(async () => {
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Starts two daemons with `config`; once the group has split the partitions between them and `progressed`
   * holds, locks `tables` (so the survivor's writes wait and it cannot reach its end before the takeover)
   * and SIGKILLs one; waits until the coordinator gives the survivor every partition, then releases the lock.
   */
  async function killOneOfTwo(config: Record<string, unknown>, groupId: string, tables: readonly string[], progressed: () => Promise<boolean>): Promise<TakeoverRun> {
    let blocker: pg.Client | undefined;
    let killedAt = 0;
    const survivor = startDaemon(config);
    const victimRun = runDaemonChild(config, {
      signal: 'SIGKILL',
      when: async () => {
        if (!(await groupSplitAmong(kafka, groupId, topic, 2)) || !(await progressed())) return undefined;
        blocker = await db.connect();
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE ${tables.join(', ')} IN EXCLUSIVE MODE`);
        killedAt = Date.now();
        return 1;
      },
    });
    try {
      const victim = await victimRun;
      expect(victim.signal, `the daemon meant to be killed ended by itself: ${victim.stdout.slice(-1500)}`).toBe('SIGKILL');
      await waitUntil('the survivor holds every partition', async () => {
        const { state, members } = await groupMembers(kafka, groupId, topic);
        return state === 'Stable' && members.length === 1 && members[0]!.partitions.length === 6;
      }, 60_000);
      const takeoverMs = Date.now() - killedAt;
      await blocker!.query('ROLLBACK');
      // Bounded below the test's timeout, so a survivor that never finishes shows its log.
      const finished = await Promise.race([survivor.outcome, sleep(90_000).then(() => undefined)]);
      if (finished === undefined) throw new Error('the survivor did not finish within 90 s of the takeover');
      return { survivor: finished, victim, takeoverMs };
    } catch (error) {
      const outcome = await survivor.kill();
      const ours = outcome.stdout.split('\n').filter((line) => !line.includes('"logger":"kafkajs"')).slice(-40).join('\n');
      throw new Error(`${(error as Error).message}; survivor's log: ${ours}`, { cause: error });
    } finally {
      await blocker?.end().catch(() => undefined);
    }
  }

  /** The survivor's last epoch read every partition, and it rebuilt after the kill. */
  function expectTakeover(survivor: DaemonOutcome): void {
    expect(survivor.code, survivor.stdout.slice(-3000)).toBe(0);
    const messages = survivor.logs.map((l) => l.msg);
    const rebuilt = messages.lastIndexOf('partitions were added after records were fed: rebuilding the pipeline');
    expect(rebuilt, 'the survivor rebuilt its pipeline when the victim\'s partitions came to it').toBeGreaterThan(-1);
    const assignedAfter = survivor.logs.slice(rebuilt).filter((l) => l.msg === 'assigned').map((l) => Number(l['partition']));
    expect(new Set(assignedAfter)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
  }

  it('nvda: the tables equal the file replay of the same ticks', async () => {
    const nvda = findTopology('nvda')!;
    await runReplay({ topology: nvda, dataDir: dir, files: { prices: 'ticks.csv' }, sinks: [createPostgresSink(`${db.url}?schema=file_run`)] });
    await prepareSchema(`${db.url}?schema=group_nvda`, nvda);
    const groupId = `group-nvda-${randomUUID()}`;
    const config = pipelineConfig({ brokers, name: 'group-nvda', topology: 'nvda', input: 'prices', topic, groupId, sink: `${db.url}?schema=group_nvda`, deadLetterTopic: `${topic}-dlq`, pipeline: IN_FLIGHT });
    const fileBars = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM file_run.nvda_bars'))[0]!.n);
    const bars = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM group_nvda.nvda_bars'))[0]!.n);

    const { survivor, takeoverMs } = await killOneOfTwo(config, groupId, nvda.outputs.map((t) => `group_nvda."${t.name}"`), async () => (await bars()) >= fileBars * 0.1);
    console.log(`nvda: the survivor held every partition ${takeoverMs} ms after the kill (session timeout 6000 ms)`);
    expectTakeover(survivor);
    for (const table of nvda.outputs) {
      const comparison = await compareTables(db, 'file_run', 'group_nvda', table.name);
      expect({ table: table.name, ...comparison }).toEqual({ table: table.name, leftOnly: 0, rightOnly: 0, left: comparison.left, right: comparison.left });
    }
    expect(await bars()).toBe(fileBars);
  }, 180_000);

  it('passthrough: every record applied exactly once, the rows equal the input file, positions at the log end', async () => {
    const url = `${db.url}?schema=group_pass`;
    await preparePassthroughSchema(db, url, 'group_pass');
    const groupId = `group-pass-${randomUUID()}`;
    const config = pipelineConfig({ brokers, name: 'group-pass', topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId, sink: url, deadLetterTopic: `${topic}-dlq`, pipeline: IN_FLIGHT });
    // Both daemons made progress: positions stored for every partition that holds ticks.
    const nonEmpty = [...ends.values()].filter((end) => end > 0).length;
    const progressed = async (): Promise<boolean> =>
      Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM group_pass.cloudpulse_positions WHERE pipeline = 'group-pass'`))[0]!.n) === nonEmpty;

    const { survivor, takeoverMs } = await killOneOfTwo(config, groupId, ['group_pass.kafka_ticks_out'], progressed);
    console.log(`passthrough: the survivor held every partition ${takeoverMs} ms after the kill (session timeout 6000 ms)`);
    expectTakeover(survivor);
    await expectPassthroughExactlyOnce(db, 'group_pass', 'group-pass', ends, join(dir, 'ticks.csv'));
  }, 180_000);
});
