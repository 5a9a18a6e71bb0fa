// @services kafka
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../migrate/wait-until.js';
import { serviceSettings } from '../services/index.js';
import { groupMembers, groupSplitAmong } from './consumer-group-members.js';
import { startDaemon } from './daemon-process.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { committedOffsets, endOffsets, testKafka, type DaemonOutcome } from './kafka-test-kit.js';
import { createTopicSettled, exactlyOnce, produceTicks, readOutputRows, ticks } from './kafka-transactional-ticks.js';

const RECORDS = 60_000;

// Two daemons share the input's partitions; one is frozen (SIGSTOP) past its session timeout, so the group
// gives its partitions to the other, which claims their transactional ids (aborting the frozen one's open
// transaction) and carries on. The frozen one then wakes up as a zombie with batches in flight: its
// transactions are fenced, and the output still holds every result once for read_committed consumers.
// Both run until stopped (SIGTERM) so that neither ends its partitions before the takeover.
describe('Kafka → Kafka transactional sink: a frozen daemon whose partitions moved comes back as a zombie', () => {
  const { brokers } = serviceSettings('kafka');
  const kafka = testKafka(brokers);

  it('keeps every result exactly once for read_committed readers', async () => {
    const input = `txz-in-${randomUUID()}`;
    const output = `txz-out-${randomUUID()}`;
    const groupId = `txz-${randomUUID()}`;
    await createTopicSettled(kafka, input, 6);
    await createTopicSettled(kafka, output, 3);
    const produced = ticks(RECORDS);
    await produceTicks(kafka, input, produced);
    const config = {
      kafka: { brokers: [...brokers] },
      metrics: false,
      drainTimeoutMs: 30_000,
      pipelines: [
        {
          name: `txz-${randomUUID().slice(0, 8)}`,
          topology: kafkaPassthroughTopology.name,
          inputs: { ticks: { topic: input, groupId, stopAt: 'never', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 } },
          sinks: [{ type: 'kafka', topic: output, transactional: true }],
          deadLetter: { topic: `${input}-dlq` },
          maxInFlightRecords: 2_000,
        },
      ],
    };
    const committed = async (): Promise<number> => [...(await committedOffsets(kafka, groupId, input)).values()].reduce((sum, o) => sum + Math.max(0, o), 0);

    const zombie = startDaemon(config);
    await waitUntil('the first daemon committed some input', async () => (await committed()) > 0, 60_000);
    const survivor = startDaemon(config);
    try {
      await waitUntil('both daemons hold partitions and the input is a fifth done', async () => (await groupSplitAmong(kafka, groupId, input, 2)) && (await committed()) >= RECORDS / 5, 60_000);
      zombie.child.kill('SIGSTOP');
      const frozenAt = await committed();
      await waitUntil('the survivor holds every partition', async () => {
        const { state, members } = await groupMembers(kafka, groupId, input);
        return state === 'Stable' && members.length === 1 && members[0]!.partitions.length === 6;
      }, 60_000);
      // The survivor has claimed the frozen daemon's partitions (and aborted its open transactions) once it commits past them.
      await waitUntil('the survivor made progress on every partition', async () => (await committed()) >= Math.min(RECORDS, frozenAt + 6 * 2_000), 60_000);
      zombie.child.kill('SIGCONT');
      let exited = 0;
      void zombie.outcome.then(() => exited++);
      void survivor.outcome.then(() => exited++);
      await waitUntil('every input record is committed, or both daemons stopped', async () => (await committed()) === RECORDS || exited === 2, 90_000);
      survivor.child.kill('SIGTERM');
      zombie.child.kill('SIGTERM');
      const outcomes = await Promise.all([zombie.outcome, survivor.outcome]);
      const failure = (o: DaemonOutcome): string => o.logs.filter((l) => l.msg === 'pipeline failed').map((l) => String(l['error'] ?? l['reason'] ?? '')).join(' | ');
      const summary = outcomes.map((o, i) => `${i === 0 ? 'zombie' : 'survivor'} exit ${o.code}${o.code === 0 ? '' : ` (${failure(o).slice(0, 200)})`}`);
      const fenced = outcomes.flatMap((o) => o.logs).filter((l) => /fenced/.test(`${l.msg} ${String(l['error'] ?? '')}`)).length;
      console.log(`${summary.join('; ')}; frozen at ${frozenAt} committed offsets; ${fenced} log lines about fencing`);
      // A member fenced before it sees the rebalance that moved the partition waits for that rebalance and
      // restarts its pipeline in place: both daemons keep running until SIGTERM and drain cleanly.
      for (const outcome of outcomes) expect(outcome.code, outcome.stdout.slice(-3000)).toBe(0);
      expect(await committed()).toBe(RECORDS);
    } catch (error) {
      const tail = (logs: readonly { msg: string }[]): string => logs.filter((l) => (l as { logger?: string }).logger !== 'kafkajs').slice(-60).map((l) => JSON.stringify(l)).join('\n');
      throw new Error(`${(error as Error).message} at ${await committed()} committed offsets\nzombie:\n${tail(zombie.logs())}\nsurvivor:\n${tail(survivor.logs())}`, { cause: error });
    } finally {
      zombie.child.kill('SIGCONT');
      await Promise.all([zombie.kill(), survivor.kill()]);
    }

    const ends = await endOffsets(kafka, input);
    expect(new Map([...(await committedOffsets(kafka, groupId, input))].map(([p, o]) => [p, Math.max(0, o)]))).toEqual(ends);
    const rows = await readOutputRows(kafka, output, 'read_committed');
    expect(exactlyOnce(produced, rows, ends)).toEqual({ rows: RECORDS, missing: 0, duplicated: 0, wrongFields: 0, positionsMissing: 0 });
  }, 180_000);
});
