// @services kafka
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { Prng } from '../../replay/index.js';
import { serviceSettings } from '../services/index.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { endOffsets, runDaemonChild, testKafka } from './kafka-test-kit.js';
import { createTopicSettled, exactlyOnce, produceTicks, readOutputRows, ticks } from './kafka-transactional-ticks.js';

// Kafka → Kafka exactly-once: the passthrough topology (one output per input record) with a transactional
// Kafka sink, SIGKILLed at seeded random points and restarted. Every restart waits ~6 s for the killed
// member's session to expire, so the kill count, not the record count, sets the run time.
const RECORDS = 100_000;
const KILLS = 6;
const INPUT_PARTITIONS = 6;
const SEED = Number(process.env['CLOUDPULSE_CRASH_SEED'] ?? Date.now() % 1_000_000_007);

describe('Kafka → Kafka transactional sink: SIGKILLed at random points, read_committed sees every result once', () => {
  const { brokers } = serviceSettings('kafka');
  const kafka = testKafka(brokers);
  let admin: Admin;

  beforeAll(async () => {
    console.log(`kafka transactional kill test seed ${SEED} (CLOUDPULSE_CRASH_SEED=${SEED} replays the same kill points)`);
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  it('produces each input record\'s output exactly once across kills, with the offsets committed only in the transactions', async () => {
    const input = `tx-in-${randomUUID()}`;
    const output = `tx-out-${randomUUID()}`;
    const groupId = `tx-kill-${randomUUID()}`;
    await createTopicSettled(kafka, input, INPUT_PARTITIONS);
    await createTopicSettled(kafka, output, 3);
    const produced = ticks(RECORDS);
    await produceTicks(kafka, input, produced);

    const config = {
      kafka: { brokers: [...brokers] },
      metrics: false,
      drainTimeoutMs: 30_000,
      pipelines: [
        {
          name: `tx-kill-${randomUUID().slice(0, 8)}`,
          topology: kafkaPassthroughTopology.name,
          inputs: { ticks: { topic: input, groupId, stopAt: 'end', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 } },
          sinks: [{ type: 'kafka', topic: output, transactional: true }],
          deadLetter: { topic: `${input}-dlq` },
          // Many small transactions, so kills land between and inside them.
          maxInFlightRecords: 3_000,
        },
      ],
    };
    const committed = async (): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const [entry] = await admin.fetchOffsets({ groupId, topics: [input] });
          return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
        } catch (error) {
          // A just-started broker's group coordinator may still be loading.
          if (attempt >= 20) throw error;
          await sleep(250);
        }
      }
    };

    const rng = new Prng(SEED);
    const targets = Array.from({ length: KILLS }, () => Math.floor(rng.range(0.05, 0.9) * RECORDS)).sort((a, b) => a - b);
    const kills: string[] = [];
    for (const target of targets) {
      // Each run must make progress before its kill: a target already passed moves just past the start.
      const goal = Math.max(target, (await committed()) + 1);
      const outcome = await runDaemonChild(config, { when: async () => ((await committed()) >= goal ? committed() : undefined), delayMs: rng.int(0, 150) });
      expect(outcome.signal, `run meant to be killed at ${goal} committed offsets ended by itself: ${outcome.stdout.slice(-1500)}`).toBe('SIGKILL');
      kills.push(`${goal}→${outcome.killedAt}`);
    }
    const final = await runDaemonChild(config);
    expect(final.code, final.stdout.slice(-3000) + final.stderr.slice(-2000)).toBe(0);
    console.log(`transactional kills (target committed offsets → committed at kill): ${kills.join(', ')}`);

    // The group's offsets are exactly the input's end offsets: every record consumed, nothing past the end.
    const ends = await endOffsets(kafka, input);
    const [group] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(new Map((group?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]))).toEqual(ends);
    expect([...ends.values()].every((end) => end > 0)).toBe(true);

    // Expected, from the input as produced: one output per input record (identified by its unique volume),
    // at a distinct (partition, offset) of the input, every input position covered.
    const committedRows = await readOutputRows(kafka, output, 'read_committed');
    expect(exactlyOnce(produced, committedRows, ends)).toEqual({ rows: RECORDS, missing: 0, duplicated: 0, wrongFields: 0, positionsMissing: 0 });

    // A read_uncommitted consumer also sees what the killed runs' aborted transactions had written.
    const uncommittedRows = await readOutputRows(kafka, output, 'read_uncommitted');
    const seen = new Set(uncommittedRows.map((r) => r.volume));
    expect(produced.every((t) => seen.has(t.volume))).toBe(true);
    expect(uncommittedRows.length).toBeGreaterThanOrEqual(RECORDS);
    console.log(`read_uncommitted sees ${uncommittedRows.length} rows (${uncommittedRows.length - RECORDS} from aborted transactions); read_committed sees ${committedRows.length}`);
  }, 240_000);
});
