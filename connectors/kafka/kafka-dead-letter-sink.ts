import type { Kafka, Message, Producer } from 'kafkajs';
import { formatPosition, type DeadLetter, type DeadLetterSink } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import { splitBySize } from './split-by-size.js';

/** The JSON value of a dead letter on the topic. */
export interface DeadLetterMessage {
  readonly source: string;
  readonly partition: string;
  readonly offset: number;
  readonly reason: string;
  readonly detail: string;
  readonly field: string | null;
  /** The raw input: base64 bytes for a Kafka record, the text line for a file. */
  readonly raw: string | null;
}

/**
 * Writes dead letters to a Kafka topic with an idempotent producer (acks from all in-sync replicas before
 * `write` resolves). Key: the record's position (`topic/partition@offset`), value: {@link DeadLetterMessage}.
 * At least once: a letter written before a crash is written again when the record is re-read.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly name = 'dead-letter-kafka';
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka, private readonly topic: string, private readonly maxRequestBytes = 900_000) {}

  async write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const messages: Message[] = letters.map((letter) => {
      const value: DeadLetterMessage = {
        source: letter.position.source,
        partition: letter.position.partition,
        offset: letter.position.offset,
        reason: letter.reason,
        detail: letter.detail,
        field: letter.field ?? null,
        raw: letter.raw ?? null,
      };
      return { key: formatPosition(letter.position), value: JSON.stringify(value) };
    });
    try {
      const producer = await this.connected();
      for (const chunk of splitBySize(messages, this.maxRequestBytes)) await producer.send({ topic: this.topic, messages: chunk, acks: -1 });
    } catch (error) {
      throw classifyKafkaError(error, `writing ${letters.length} dead letters to ${this.topic}`);
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private async connected(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
