import type { Kafka } from 'kafkajs';
import type { TableSpec } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import type { KafkaSinkConfig } from './config.js';

/** The topics a Kafka sink writes for these tables: `<topic>`, or `<topic>.<table>` with `topicPerTable`. */
export function sinkTopics(config: KafkaSinkConfig, tables: readonly TableSpec[]): string[] {
  return config.topicPerTable ? tables.map((t) => `${config.topic}.${t.name}`) : [config.topic];
}

/**
 * Creates the sink's missing topics (the broker's default partitions and settings) and waits for their
 * leaders, so the first write does not race a topic the broker has only begun to create.
 */
export async function ensureSinkTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: true });
  } catch (error) {
    // Another writer created it in between: that is what we wanted.
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw classifyKafkaError(error, `creating topics ${topics.join(', ')}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
