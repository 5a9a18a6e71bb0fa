// @services kafka
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createSinks } from '../../cli/create-sinks.js';
import { checkDaemonConfig } from '../../cli/daemon-config.js';
import { TransactionalKafkaSink } from '../../connectors/kafka/transactional-kafka-sink.js';
import { EngineError, EngineEvents, MemoryDeadLetterSink, PipelineRunner, systemClock, type SourcePosition, type StreamRecord, type TableRow, type TableSpec, type WriteContext } from '../../engine/index.js';
import { passthroughTopology, ResumableSource } from '../conformance/conformance-topology.js';
import { serviceSettings } from '../services/index.js';
import { committedOffsets, createTopic, testKafka } from './kafka-test-kit.js';
import { readTopic } from './kafka-transactional-read.js';

/**
 * The group's committed offsets once the last transaction's markers are written: EndTxn returns before
 * that, and an offset fetch shows only completed transactions (a new owner's claim waits for them).
 */
async function settledOffsets(kafka: ReturnType<typeof testKafka>, groupId: string, topic: string, expected: Map<number, number>): Promise<Map<number, number>> {
  let offsets = await committedOffsets(kafka, groupId, topic);
  for (let i = 0; i < 50 && JSON.stringify([...offsets]) !== JSON.stringify([...expected]); i++) {
    await sleep(100);
    offsets = await committedOffsets(kafka, groupId, topic);
  }
  return offsets;
}

const table: TableSpec = { name: 'echo', columns: [{ name: 'n', type: 'integer' }], key: ['n'] };

/** Outputs of input records `from..to` of `input`/partition 0, one each, and the position they make durable. */
function batch(input: string, from: number, to: number): { records: StreamRecord<TableRow>[]; through: SourcePosition } {
  const records = Array.from({ length: to - from + 1 }, (_, i): StreamRecord<TableRow> => ({
    value: { table: 'echo', row: { n: from + i } },
    eventTime: 0,
    position: { source: input, partition: '0', offset: from + i },
  }));
  return { records, through: { source: input, partition: '0', offset: to } };
}

function ctx(positions: readonly SourcePosition[]): WriteContext {
  return { topology: 't', positions, deadLetter: () => {} };
}

describe('transactional Kafka sink', () => {
  const { brokers } = serviceSettings('kafka');
  const kafka = testKafka(brokers);

  async function setup(): Promise<{ input: string; output: string; groupId: string; open: () => Promise<TransactionalKafkaSink> }> {
    const input = `txs-in-${randomUUID()}`;
    const output = `txs-out-${randomUUID()}`;
    const groupId = `txs-${randomUUID()}`;
    await createTopic(kafka, input, 1);
    await createTopic(kafka, output, 1);
    const pipeline = `txs-${randomUUID().slice(0, 8)}`;
    const open = async (): Promise<TransactionalKafkaSink> => {
      const sink = new TransactionalKafkaSink(kafka, { type: 'kafka', topic: output, transactional: true }, { pipeline, consumerGroups: { [input]: groupId }, offsetsOnlyIntervalMs: 0 });
      await sink.open({ topology: 't', tables: [table], clock: systemClock, events: new EngineEvents() });
      return sink;
    };
    return { input, output, groupId, open };
  }

  const committedNumbers = async (output: string): Promise<number[]> =>
    (await readTopic(kafka, output, 'read_committed')).map((m) => (JSON.parse(m.value!.toString('utf8')) as { n: number }).n);

  it('fences the earlier owner of an input partition once a new owner claims it, and resumes the new owner after the last commit', async () => {
    const { input, output, groupId, open } = await setup();
    const first = await open();
    expect(await first.storedPositions(input, ['0'])).toEqual([]);
    const a = batch(input, 0, 9);
    await first.write(a.records, ctx([a.through]));
    expect(await settledOffsets(kafka, groupId, input, new Map([[0, 10]]))).toEqual(new Map([[0, 10]]));

    // Another member is assigned partition 0: its claim fences the first owner, which is now a zombie.
    const second = await open();
    expect(await second.storedPositions(input, ['0'])).toEqual([{ source: input, partition: '0', offset: 9 }]);
    const b = batch(input, 10, 19);
    const zombie = await first.write(b.records, ctx([b.through])).then(() => undefined, (error: unknown) => error);
    expect(zombie).toBeInstanceOf(EngineError);
    expect((zombie as EngineError).code).toBe('kafka_producer_fenced');
    expect(await settledOffsets(kafka, groupId, input, new Map([[0, 10]]))).toEqual(new Map([[0, 10]]));

    await second.write(b.records, ctx([b.through]));
    // The runtime retrying a write that did commit: outputs at or below the committed offset are not sent again.
    await second.write(b.records, ctx([b.through]));
    await first.close();
    await second.close();
    expect(await committedNumbers(output)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await settledOffsets(kafka, groupId, input, new Map([[0, 20]]))).toEqual(new Map([[0, 20]]));
  }, 60_000);

  it('commits offsets that moved without outputs in an offsets-only transaction', async () => {
    const { input, output, groupId, open } = await setup();
    const sink = await open();
    await sink.storedPositions(input, ['0']);
    const a = batch(input, 0, 4);
    await sink.write(a.records, ctx([a.through]));
    await sink.commitPositions([{ source: input, partition: '0', offset: 11 }]);
    expect(await settledOffsets(kafka, groupId, input, new Map([[0, 12]]))).toEqual(new Map([[0, 12]]));
    await sink.close();
    expect(await committedNumbers(output)).toEqual([0, 1, 2, 3, 4]);
  }, 60_000);

  it('runs under the pipeline runner with the offsets committed only by the sink, never by the source', async () => {
    const { input, output, groupId, open } = await setup();
    const rows = Array.from({ length: 300 }, (_, n) => ({ value: { n }, eventTime: 0, position: { source: input, partition: '0', offset: n } }));
    const source = new ResumableSource(input, [rows.slice(0, 100), rows.slice(100, 200), rows.slice(200)]);
    const runner = new PipelineRunner({ topology: passthroughTopology(table), streams: { rows: source }, sinks: [await open()], deadLetters: new MemoryDeadLetterSink() });
    const summary = await runner.run();
    expect(summary.committed).toEqual([{ source: input, partition: '0', offset: 299 }]);
    expect(source.committed).toEqual([]);
    expect(await settledOffsets(kafka, groupId, input, new Map([[0, 300]]))).toEqual(new Map([[0, 300]]));
    expect(await committedNumbers(output)).toEqual(rows.map((r) => r.value.n));
  }, 60_000);

  it('is refused where it cannot commit offsets: outside a Kafka pipeline, twice in one pipeline, or writing its own input', () => {
    expect(() => createSinks([{ type: 'kafka', topic: 'out', transactional: true }], { out: '.', format: 'csv', resume: false, kafkaBrokers: brokers })).toThrow(/sinks\.0\.transactional: .*cloudpulse run/);
    const daemon = (sinks: unknown[]): unknown => ({
      kafka: { brokers: [...brokers] },
      pipelines: [{ name: 'p', topology: 'nvda', inputs: { prices: { topic: 'ticks', groupId: 'g' } }, sinks, deadLetter: { topic: 'dlq' } }],
    });
    expect(() => checkDaemonConfig(daemon([{ type: 'kafka', topic: 'a', transactional: true }, { type: 'kafka', topic: 'b', transactional: true }]))).toThrow(/pipelines\.0\.sinks\.1: .*at most one transactional/);
    expect(() => checkDaemonConfig(daemon([{ type: 'kafka', topic: 'ticks', transactional: true }]))).toThrow(/pipelines\.0\.sinks\.0\.topic: ticks is the topic of input prices/);
    expect(() => checkDaemonConfig(daemon([{ type: 'kafka', topic: 'out', transactional: 'yes' }]))).toThrow(/pipelines\.0\.sinks\.0/);
    expect(checkDaemonConfig(daemon([{ type: 'kafka', topic: 'out', transactional: true }])).pipelines).toHaveLength(1);
  });
});
