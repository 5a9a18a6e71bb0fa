// @services kafka postgres
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTicks } from '../../replay/index.js';
import { runCli } from '../cli/run-cli.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { committedOffsets, endOffsets, pipelineConfig, runDaemonChild, testKafka } from './kafka-test-kit.js';

const TICKS = 150_000;

describe('SIGTERM: the daemon drains, commits and exits 0', () => {
  const { brokers, bootstrap } = serviceSettings('kafka');
  const kafka = testKafka(brokers);
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await openTestDatabase('kafka_drain');
    dir = await mkdtemp(join(tmpdir(), 'cp-kafka-drain-'));
    await generateTicks({ dir, seed: 20_250_303, rows: TICKS, symbols: 8 });
  });

  afterAll(async () => {
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('leaves nothing written uncommitted, and a restart continues exactly after it', async () => {
    const topic = `ticks-drain-${randomUUID()}`;
    const produced = await runCli(['replay', 'nvda', '--data', dir, '--file', 'ticks.csv', '--to', `kafka://${topic}`, '--brokers', bootstrap, '--partitions', '6']);
    expect(produced.code, produced.stderr).toBe(0);
    const groupId = `drain-${randomUUID()}`;
    const config = (stopAt: 'end' | 'never'): Record<string, unknown> =>
      pipelineConfig({ brokers, name: 'drain', topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId, sink: `${db.url}?schema=drain`, deadLetterTopic: `${topic}-dlq`, stopAt, extra: { batchSize: 500 }, pipeline: { maxInFlightRecords: 3_000 } });
    const rows = async (): Promise<number> => {
      const [row] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM drain.kafka_ticks_out`);
      return Number(row!.n);
    };

    // Once 30% is written, the next write waits on a lock until a second after the SIGTERM: the drain
    // starts with records in flight, however fast the daemon is.
    const blocker = await db.connect();
    const stopped = await runDaemonChild(config('never'), {
      when: async () => {
        if ((await rows()) < TICKS * 0.3) return undefined;
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE drain.kafka_ticks_out IN EXCLUSIVE MODE');
        setTimeout(() => void blocker.query('ROLLBACK').finally(() => blocker.end()), 1_000);
        return rows();
      },
      signal: 'SIGTERM',
    });
    expect(stopped.signal).toBeNull();
    expect(stopped.code, stopped.stdout.slice(-2000)).toBe(0);
    const messages = stopped.logs.map((l) => l.msg);
    expect(messages).toContain('draining');
    expect(messages).toContain('left the group');
    expect(messages.at(-1), stopped.stdout.split('\n').filter((l) => !l.includes('"logger":"kafkajs"')).slice(-14).join('\n')).toBe('stopped');

    // Everything written is committed, in PostgreSQL (same transaction) and in the group's offsets.
    const written = await db.query<{ partition: string; max: string; n: string }>(`SELECT partition::text, max("offset")::text AS max, count(*)::text AS n FROM drain.kafka_ticks_out GROUP BY partition`);
    const positions = await db.query<{ partition: string; offset: string }>(`SELECT partition, "offset"::text AS "offset" FROM drain.cloudpulse_positions`);
    const stored = new Map(positions.map((p) => [p.partition, Number(p.offset)]));
    const committed = await committedOffsets(kafka, groupId, topic);
    expect(written.length).toBeGreaterThan(0);
    for (const partition of written) {
      expect({ partition: partition.partition, stored: stored.get(partition.partition) }).toEqual({ partition: partition.partition, stored: Number(partition.max) });
      expect({ partition: partition.partition, committed: committed.get(Number(partition.partition)) }).toEqual({ partition: partition.partition, committed: Number(partition.max) + 1 });
      // No gaps: a partition's rows are exactly its offsets 0…max.
      expect(Number(partition.n)).toBe(Number(partition.max) + 1);
    }
    const before = await rows();
    expect(before).toBeLessThan(TICKS);

    const resumed = await runDaemonChild(config('end'));
    expect(resumed.code, resumed.stdout.slice(-2000)).toBe(0);
    const assigned = resumed.logs.filter((l) => l.msg === 'assigned');
    for (const log of assigned) {
      const p = String(log['partition']);
      if (stored.has(p)) expect({ p, offset: log['offset'], from: log['from'] }).toEqual({ p, offset: stored.get(p)! + 1, from: 'stored position' });
    }
    expect(await rows()).toBe(TICKS);
    const ends = await endOffsets(kafka, topic);
    const [sum] = await db.query<{ n: string }>(`SELECT coalesce(sum("offset" + 1), 0)::text AS n FROM drain.cloudpulse_positions`);
    expect(Number(sum!.n)).toBe([...ends.values()].reduce((a, b) => a + b, 0));
  }, 180_000);
});
