// @services kafka
import { randomUUID } from 'node:crypto';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kafkaSourceConfigSchema } from '../../connectors/kafka/config.js';
import { JsonDecoder } from '../../connectors/kafka/decode-value.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { EngineEvents, systemClock, type SourceContext } from '../../engine/index.js';
import { serviceSettings } from '../services/index.js';
import { createTopic, testKafka } from './kafka-test-kit.js';

const context: SourceContext = { topology: 'reopen', clock: systemClock, events: new EngineEvents(), deadLetter: () => {}, resumeFrom: [] };

describe('KafkaSource across runs', () => {
  const { brokers } = serviceSettings('kafka');
  const kafka = testKafka(brokers);

  // The daemon reuses one source for every run of a pipeline (after a rebalance or a fenced write). A run
  // that ended while the runner held the source paused must not leave the next run waiting for a resume
  // that its own runner has no reason to send.
  it('a run that ends while paused leaves the next run fed from the start', async () => {
    const topic = `reopen-${randomUUID()}`;
    await createTopic(kafka, topic, 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: JSON.stringify({ n: i }) })) });
    await producer.disconnect();

    const config = kafkaSourceConfigSchema.parse({ topic, groupId: `reopen-${randomUUID()}`, stopAt: 'end', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, batchSize: 5 });
    const source = new KafkaSource({
      kafka,
      config,
      decoder: new JsonDecoder(),
      toRow: (value) => ({ ok: true, row: value as { n: number }, eventTime: 0, key: undefined }),
      log: () => {},
    });
    try {
      // First run: paused by its runner after the first batch, then failed (unsubscribed) while paused.
      const firstBatch = new Promise<number>((done) => {
        const subscription = source.open(context).subscribe((batch) => {
          source.pause();
          subscription.unsubscribe();
          done(batch.records.length);
        });
      });
      expect(await firstBatch).toBeGreaterThan(0);

      // Second run: nobody calls resume(); it must still read every partition to its end.
      const batches = await firstValueFrom(source.open(context).pipe(toArray()));
      const values = batches.flatMap((batch) => batch.records.map((record) => (record.value as { n: number }).n));
      expect(new Set(values)).toEqual(new Set(Array.from({ length: 40 }, (_, i) => i)));
    } finally {
      await source.close();
      await source.shutdown();
    }
  }, 60_000);
});
