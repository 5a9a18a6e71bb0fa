import type { Kafka, Message, Producer } from 'kafkajs';
import { ConfigError, type Sink, type SinkOpenContext, type StreamRecord, type TableRow, type TableSpec, type WriteContext } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import { kafkaSinkConfigSchema, type KafkaSinkConfig, type KafkaSinkConfigInput } from './config.js';
import { messageBytes, rowMessage } from './kafka-sink-messages.js';
import { ensureSinkTopics, sinkTopics } from './kafka-sink-topics.js';
import { splitBySize } from './split-by-size.js';

/**
 * Output rows to a Kafka topic: an idempotent producer, acknowledged by all in-sync replicas before
 * `write` resolves. The message key is the row's key columns (the engine's `rowKey`), so a compacted topic
 * keeps one row per key and a re-emitted window result replaces the earlier one; the value is the row as
 * JSON with a `table` field (or, with `topicPerTable`, the row alone on `<topic>.<table>`); a delete is a
 * tombstone. Sends are split to stay under `maxRequestBytes` (the broker's `message.max.bytes`); a single
 * message over it is dead-lettered (the broker would reject it).
 * At least once: after a crash the re-read input is sent again with the same keys.
 */
export class KafkaSink implements Sink {
  readonly name = 'kafka';
  private readonly config: KafkaSinkConfig;
  private readonly tables = new Map<string, TableSpec>();
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka, config: KafkaSinkConfigInput | KafkaSinkConfig) {
    this.config = kafkaSinkConfigSchema.parse(config);
    if (this.config.transactional) throw new ConfigError('transactional', 'a transactional Kafka sink is a TransactionalKafkaSink (it needs the pipeline name and consumer groups)');
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    for (const spec of ctx.tables) this.tables.set(spec.name, spec);
    await ensureSinkTopics(this.kafka, sinkTopics(this.config, ctx.tables));
    try {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      await producer.connect();
      this.producer = producer;
    } catch (error) {
      throw classifyKafkaError(error, `connecting the sink for ${this.config.topic}`);
    }
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const record of batch) {
      const { topic, message } = rowMessage(record, this.tables, this.config);
      const bytes = messageBytes(message);
      if (bytes > this.config.maxRequestBytes) {
        ctx.deadLetter({ position: record.position, reason: 'sink_rejected', detail: `kafka: a ${bytes}-byte message is over maxRequestBytes ${this.config.maxRequestBytes} (the broker's message.max.bytes): the broker would reject it`, raw: message.value?.toString().slice(0, 1_000) ?? '' });
        continue;
      }
      let messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, (messages = []));
      messages.push(message);
    }
    try {
      for (const [topic, messages] of byTopic) {
        for (const chunk of splitBySize(messages, this.config.maxRequestBytes)) await this.producer!.send({ topic, messages: chunk, acks: -1 });
      }
    } catch (error) {
      throw classifyKafkaError(error, `writing ${batch.length} rows to ${this.config.topic}`);
    }
  }

  /** Every write is acknowledged before it resolves: nothing is pending. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
