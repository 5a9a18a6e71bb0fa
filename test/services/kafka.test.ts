// @services kafka
import { randomUUID } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

import { expectLoopbackOnly } from './expect-loopback-only.js';
import { service, serviceSettings } from './index.js';
import { waitUntil } from './process-group.js';
import { runWithInput } from './run-command.js';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

describe('kafka (Kafka 4.4 KRaft broker)', () => {
  const { brokers, bootstrap } = serviceSettings('kafka');
  const kafka = new Kafka({ clientId: 'services-smoke', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const admin = kafka.admin();

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  /** Consumes until `count` messages arrived, with settings that keep rebalances short in tests. */
  async function consume(topic: string, count: number): Promise<{ key: string; value: string }[]> {
    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}`, heartbeatInterval: 300, sessionTimeout: 6_000 });
    const received: { key: string; value: string }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key?.toString('utf8') ?? '', value: message.value?.toString('utf8') ?? '' });
        },
      });
      await waitUntil(() => received.length >= count, 30_000, () => `received ${received.length} of ${count} messages from ${topic}`);
      return received;
    } finally {
      await consumer.disconnect();
    }
  }

  it('binds 127.0.0.1 only (broker and controller listeners)', () => {
    expectLoopbackOnly(service('kafka'));
  });

  it('produces with kafkajs and consumes with kafkajs and with kcat', async () => {
    const topic = `smoke-kafkajs-${randomUUID()}`;
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'oslo', value: '{"celsius":-3.25}' }] });

    expect(await consume(topic, 1)).toEqual([{ key: 'oslo', value: '{"celsius":-3.25}' }]);
    const kcatOut = await runWithInput('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q', '-f', '%k=%s\\n'], '');
    expect(kcatOut).toBe('oslo={"celsius":-3.25}\n');
  });

  it('produces with kcat and consumes with kafkajs (transactions work too)', async () => {
    const topic = `smoke-kcat-${randomUUID()}`;
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await runWithInput('kcat', ['-b', bootstrap, '-P', '-t', topic, '-K', ':'], 'lagos:31.5\nlima:18.0\n');

    const transactional = kafka.producer({ transactionalId: `smoke-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    await transactional.connect();
    try {
      const transaction = await transactional.transaction();
      await transaction.send({ topic, messages: [{ key: 'nuuk', value: '-12.0' }] });
      await transaction.commit();
    } finally {
      await transactional.disconnect();
    }

    const received = await consume(topic, 3);
    expect(received).toEqual([
      { key: 'lagos', value: '31.5' },
      { key: 'lima', value: '18.0' },
      { key: 'nuuk', value: '-12.0' },
    ]);
  });
});
