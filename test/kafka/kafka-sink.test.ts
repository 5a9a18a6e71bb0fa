// @services kafka
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSinks } from '../../cli/create-sinks.js';
import { EngineEvents, systemClock, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { serviceSettings } from '../services/index.js';
import { createTopic, testKafka } from './kafka-test-kit.js';

const table: TableSpec = {
  name: 'quotes',
  columns: [{ name: 'symbol', type: 'text' }, { name: 'minute', type: 'integer' }, { name: 'note', type: 'text' }],
  key: ['symbol', 'minute'],
};

function row(symbol: string, minute: number, note: string, op?: 'delete'): StreamRecord<TableRow> {
  return { value: { table: 'quotes', row: { symbol, minute, note } }, eventTime: minute * 60_000, key: symbol, position: { source: 's', partition: '0', offset: minute }, ...(op === undefined ? {} : { op }) };
}

describe('kafka:// sink', () => {
  const { brokers } = serviceSettings('kafka');
  const kafka = testKafka(brokers);

  it('keys rows by their key columns, splits large batches under message.max.bytes, and a compacted read gives one row per key', async () => {
    const topic = `sink-${randomUUID()}`;
    await createTopic(kafka, topic, 3);
    const [sink] = createSinks([`kafka://${brokers[0]}/${topic}`], { out: '.', format: 'csv', resume: false });
    await sink!.open({ topology: 't', tables: [table], clock: systemClock, events: new EngineEvents() });
    // ~3 MB in one write: over the broker's default 1 MiB message.max.bytes unless split.
    const big = 'x'.repeat(1_000);
    const first = Array.from({ length: 3_000 }, (_, i) => row(`S${i % 30}`, i, big));
    await sink!.write(first, { topology: 't', positions: [], deadLetter: () => {} });
    await sink!.write([row('S0', 0, 'updated'), row('S1', 1, 'gone', 'delete')], { topology: 't', positions: [], deadLetter: () => {} });
    await sink!.close();

    const consumer = kafka.consumer({ groupId: `sink-read-${randomUUID()}`, heartbeatInterval: 300, sessionTimeout: 6_000 });
    const latest = new Map<string, string | null>();
    let received = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((done) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          latest.set(message.key!.toString('utf8'), message.value === null ? null : message.value.toString('utf8'));
          if (++received === 3_002) done();
        },
      });
    });
    await consumer.disconnect();
    const rows = [...latest.values()].filter((v): v is string => v !== null).map((v) => JSON.parse(v) as { table: string; symbol: string; minute: number; note: string });
    expect(rows).toHaveLength(2_999);
    expect(rows.find((r) => r.symbol === 'S0' && r.minute === 0)).toEqual({ table: 'quotes', symbol: 'S0', minute: 0, note: 'updated' });
    expect(rows.some((r) => r.minute === 1)).toBe(false);
    expect(latest.get('quotes\u0000S1\u00011')).toBeNull();
  }, 60_000);

  it('names a bad kafka:// target at start', () => {
    expect(() => createSinks(['kafka://no topic here'], { out: '.', format: 'csv', resume: false })).toThrow(/sinks\.0/);
  });
});
