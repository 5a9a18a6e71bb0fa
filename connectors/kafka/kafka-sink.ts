import type { Kafka, Message, Producer } from 'kafkajs';
import { rowKey, type Sink, type SinkOpenContext, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import { kafkaSinkConfigSchema, type KafkaSinkConfig, type KafkaSinkConfigInput } from './config.js';
import { splitBySize } from './split-by-size.js';

/**
 * Output rows to a Kafka topic: an idempotent producer, acknowledged by all in-sync replicas before
 * `write` resolves. The message key is the row's key columns (the engine's `rowKey`), so a compacted topic
 * keeps one row per key and a re-emitted window result replaces the earlier one; the value is the row as
 * JSON with a `table` field (or, with `topicPerTable`, the row alone on `<topic>.<table>`); a delete is a
 * tombstone. Sends are split to stay under `maxRequestBytes` (the broker's `message.max.bytes`).
 * At least once: after a crash the re-read input is sent again with the same keys.
 */
export class KafkaSink implements Sink {
  readonly name = 'kafka';
  private readonly config: KafkaSinkConfig;
  private readonly tables = new Map<string, TableSpec>();
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka, config: KafkaSinkConfigInput | KafkaSinkConfig) {
    this.config = kafkaSinkConfigSchema.parse(config);
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    for (const spec of ctx.tables) this.tables.set(spec.name, spec);
    try {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      await producer.connect();
      this.producer = producer;
    } catch (error) {
      throw classifyKafkaError(error, `connecting the sink for ${this.config.topic}`);
    }
  }

  async write(batch: readonly StreamRecord<TableRow>[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const record of batch) {
      const spec = this.tables.get(record.value.table);
      if (spec === undefined) throw classifyKafkaError(new Error(`row for table ${record.value.table}, which the topology does not declare`), 'writing');
      const topic = this.config.topicPerTable ? `${this.config.topic}.${spec.name}` : this.config.topic;
      const key = this.config.topicPerTable ? rowKey(spec, record.value.row) : `${spec.name}\u0000${rowKey(spec, record.value.row)}`;
      const value = record.op === 'delete' ? null : JSON.stringify(this.config.topicPerTable ? record.value.row : { table: spec.name, ...record.value.row });
      let messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, (messages = []));
      messages.push({ key, value, timestamp: String(record.eventTime) });
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
