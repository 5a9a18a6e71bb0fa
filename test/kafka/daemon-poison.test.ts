// @services kafka postgres registry
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterMessage } from '../../connectors/kafka/kafka-dead-letter-sink.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { runWithInput } from '../services/run-command.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';
import { createTopic, pipelineConfig, runDaemonChild, testKafka } from './kafka-test-kit.js';

interface Tick { ts: string; symbol: string; price: number; volume: number }

function goodTicks(count: number, from: number): Tick[] {
  return Array.from({ length: count }, (_, i) => ({ ts: new Date(Date.UTC(2024, 0, 2, 14, 30) + (from + i) * 1000).toISOString(), symbol: 'NVDA', price: 480 + i / 100, volume: 100 * (i + 1) }));
}

/** Reads a whole topic with kcat (an external client): one `key<TAB>value` per message. */
async function kcatRead(bootstrap: string, topic: string): Promise<{ key: string; value: string }[]> {
  const out = await runWithInput('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\\t%s\\n'], '');
  return out.split('\n').filter((line) => line !== '').map((line) => ({ key: line.slice(0, line.indexOf('\t')), value: line.slice(line.indexOf('\t') + 1) }));
}

describe('poison records go to the dead-letter topic with their offsets; the pipeline keeps going', () => {
  const { brokers, bootstrap } = serviceSettings('kafka');
  const kafka = testKafka(brokers);
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase('kafka_poison');
  });

  afterAll(async () => {
    await db?.close();
  });

  it('JSON produced by kcat: good records reach PostgreSQL, bad JSON, a bad field and a far-future time reach the DLQ (read back by kcat)', async () => {
    const topic = `poison-json-${randomUUID()}`;
    await createTopic(kafka, topic, 1);
    const good = goodTicks(6, 0);
    const lines = [
      JSON.stringify(good[0]),
      '{"ts": "2024-01-02T14:30:01Z", "symbol": "NVDA", "price": 480.5', // offset 1: cut off
      JSON.stringify(good[1]),
      JSON.stringify({ ...good[2], price: 'four hundred' }), // offset 3: bad number
      JSON.stringify(good[3]),
      JSON.stringify({ ...good[4], ts: '2999-01-01T00:00:00Z' }), // offset 5: far future
      JSON.stringify(good[5]),
    ];
    await runWithInput('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0'], `${lines.join('\n')}\n`);

    const dlq = `${topic}-dlq`;
    const run = await runDaemonChild(pipelineConfig({ brokers, name: 'poison-json', topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId: `poison-${randomUUID()}`, sink: `${db.url}?schema=poison_json`, deadLetterTopic: dlq }));
    expect(run.code, run.stdout.slice(-2000)).toBe(0);

    const rows = await db.query<{ offset: string; volume: string }>(`SELECT "offset"::text AS "offset", volume FROM poison_json.kafka_ticks_out ORDER BY "offset"`);
    expect(rows.map((r) => [Number(r.offset), Number(r.volume)])).toEqual([[0, 100], [2, 200], [4, 400], [6, 600]]);

    const letters = (await kcatRead(bootstrap, dlq)).map(({ key, value }) => ({ key, letter: JSON.parse(value) as DeadLetterMessage }));
    expect(letters.map(({ key, letter }) => ({ key, offset: letter.offset, reason: letter.reason, field: letter.field }))).toEqual([
      { key: `${topic}/0@1`, offset: 1, reason: 'decode_error', field: null },
      { key: `${topic}/0@3`, offset: 3, reason: 'parse_error', field: 'price' },
      { key: `${topic}/0@5`, offset: 5, reason: 'future_event_time', field: null },
    ]);
    expect(letters.map(({ letter }) => Buffer.from(letter.raw ?? '', 'base64').toString('utf8'))).toEqual([lines[1], lines[3], lines[5]]);
    expect(letters[0]!.letter.detail).toMatch(/invalid JSON/);
  }, 120_000);

  it('Avro in the Confluent wire format: undecodable bytes and an unknown schema id reach the DLQ', async () => {
    const registry = new SchemaRegistry({ host: serviceSettings('registry').url });
    const subject = `poison-avro-${randomUUID()}-value`;
    const schema = { type: 'record', name: 'Tick', namespace: 'test.cloudpulse', fields: [{ name: 'ts', type: 'long' }, { name: 'symbol', type: 'string' }, { name: 'price', type: 'double' }, { name: 'volume', type: 'int' }] };
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    const topic = `poison-avro-${randomUUID()}`;
    await createTopic(kafka, topic, 1);
    const encode = (i: number): Promise<Buffer> => registry.encode(id, { ts: Date.UTC(2024, 0, 2, 14, 30) + i * 1000, symbol: 'NVDA', price: 480 + i, volume: 100 * (i + 1) });
    const unknownId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x00]), (await encode(9)).subarray(5)]);
    const garbage = Buffer.concat([(await encode(9)).subarray(0, 5), Buffer.from([0xff, 0xff, 0xff])]);
    const values = [await encode(0), garbage, await encode(2), unknownId, Buffer.from('{"json":"not avro"}'), await encode(5)];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    await producer.disconnect();

    const dlq = `${topic}-dlq`;
    const run = await runDaemonChild(pipelineConfig({
      brokers, name: 'poison-avro', topology: kafkaPassthroughTopology.name, input: 'ticks', topic, groupId: `poison-${randomUUID()}`,
      sink: `${db.url}?schema=poison_avro`, deadLetterTopic: dlq, extra: { format: 'avro', avro: { registry: serviceSettings('registry').url } },
    }));
    expect(run.code, run.stdout.slice(-2000)).toBe(0);
    const rows = await db.query<{ offset: string; price: string }>(`SELECT "offset"::text AS "offset", price::text AS price FROM poison_avro.kafka_ticks_out ORDER BY "offset"`);
    expect(rows.map((r) => [Number(r.offset), Number(r.price)])).toEqual([[0, 480], [2, 482], [5, 485]]);
    const letters = (await kcatRead(bootstrap, dlq)).map(({ value }) => JSON.parse(value) as DeadLetterMessage);
    expect(letters.map((l) => [l.offset, l.reason])).toEqual([[1, 'decode_error'], [3, 'decode_error'], [4, 'decode_error']]);
    expect(letters[0]!.detail).toMatch(new RegExp(`invalid Avro for schema ${id}`));
    expect(letters[1]!.detail).toMatch(/unknown schema id 2147483392/);
    expect(letters[2]!.detail).toMatch(/magic byte/);
    expect(Buffer.from(letters[0]!.raw!, 'base64')).toEqual(garbage);
  }, 120_000);
});
