import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { endOffsets } from './kafka-test-kit.js';

/**
 * Every message of `topic` up to its current end offsets, as a consumer with `isolation` sees them
 * (read_committed: committed transactions only; read_uncommitted: aborted ones too), in partition order.
 */
export async function readTopic(kafka: Kafka, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<KafkaMessage[]> {
  const ends = await endOffsets(kafka, topic);
  const done = new Set([...ends].filter(([, end]) => end === 0).map(([p]) => p));
  const messages: KafkaMessage[] = [];
  if (done.size === ends.size) return messages;
  const consumer = kafka.consumer({ groupId: `verify-${isolation}-${randomUUID()}`, readUncommitted: isolation === 'read_uncommitted', sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      // Transaction markers take offsets too: a partition is read once the consumer has passed its end offset.
      // kafkajs skips eachBatch for a fetch of markers or aborted records only, but reports its end offset.
      const reached = (partition: number, lastOffset: string): void => {
        if (Number(lastOffset) + 1 >= ends.get(partition)!) done.add(partition);
        if (done.size === ends.size) resolve();
      };
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, payload.lastOffset));
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) messages.push(message);
          reached(batch.partition, batch.lastOffset());
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
