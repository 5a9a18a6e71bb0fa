import type { Message } from 'kafkajs';
import { rowKey, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import type { KafkaSinkConfig } from './config.js';

/** One output row as a Kafka message, and the topic it goes to. */
export interface RowMessage {
  readonly topic: string;
  readonly message: Message;
}

/**
 * An output row as the Kafka sink sends it: keyed by the table's key columns (the engine's `rowKey`, behind
 * the table name unless `topicPerTable`), the row as JSON (with a `table` field unless `topicPerTable`), a
 * delete as a tombstone, the record's event time as the timestamp.
 */
export function rowMessage(record: StreamRecord<TableRow>, tables: ReadonlyMap<string, TableSpec>, config: KafkaSinkConfig): RowMessage {
  const spec = tables.get(record.value.table);
  if (spec === undefined) throw classifyKafkaError(new Error(`row for table ${record.value.table}, which the topology does not declare`), 'writing');
  const topic = config.topicPerTable ? `${config.topic}.${spec.name}` : config.topic;
  const key = config.topicPerTable ? rowKey(spec, record.value.row) : `${spec.name}\u0000${rowKey(spec, record.value.row)}`;
  const value = record.op === 'delete' ? null : JSON.stringify(config.topicPerTable ? record.value.row : { table: spec.name, ...record.value.row });
  return { topic, message: { key, value, timestamp: String(record.eventTime) } };
}

/** Bytes of a message's key and value (what counts against the broker's `message.max.bytes`, less framing). */
export function messageBytes(message: Message): number {
  const bytes = (value: Message['value'] | Message['key']): number =>
    value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return bytes(message.key) + bytes(message.value);
}
