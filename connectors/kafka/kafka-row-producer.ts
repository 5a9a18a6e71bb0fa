import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import type { Row, StreamRecord } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import { splitBySize } from './split-by-size.js';

export interface KafkaRowProducerOptions {
  readonly topic: string;
  /** Field whose value is the message key (so one key stays in one partition); absent: no key. */
  readonly keyField?: string;
  /** Partitions of the topic when it has to be created. */
  readonly partitions: number;
  readonly maxRequestBytes?: number;
}

/**
 * Produces input rows to a topic as JSON (the row's fields as parsed, timestamps as epoch ms), with the
 * record's event time as the Kafka timestamp and the key field's value as the key; an idempotent producer,
 * acknowledged by all in-sync replicas. A missing topic is created with `retention.ms=-1`: replayed history
 * has old timestamps, which time-based retention would delete at once.
 */
export class KafkaRowProducer {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka, private readonly options: KafkaRowProducerOptions) {}

  async open(): Promise<void> {
    const admin: Admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = await admin.listTopics();
      if (!existing.includes(this.options.topic)) {
        await admin.createTopics({
          topics: [{ topic: this.options.topic, numPartitions: this.options.partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] }],
          waitForLeaders: true,
        });
      }
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    } catch (error) {
      throw classifyKafkaError(error, `preparing topic ${this.options.topic}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async send(records: readonly StreamRecord<Row>[]): Promise<void> {
    const { keyField, topic } = this.options;
    const messages: Message[] = records.map((record) => {
      const key = keyField === undefined ? null : record.value[keyField];
      return {
        key: key === null || key === undefined ? null : String(key),
        value: JSON.stringify(record.value),
        timestamp: String(record.eventTime),
      };
    });
    try {
      for (const chunk of splitBySize(messages, this.options.maxRequestBytes ?? 900_000)) await this.producer!.send({ topic, messages: chunk, acks: -1 });
    } catch (error) {
      throw classifyKafkaError(error, `producing ${records.length} records to ${topic}`);
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }
}
