import { z } from 'zod';

const brokerAddress = z.string().regex(/^[^:/\s]+:\d{1,5}$/, 'must be host:port');

/** Settings shared by every Kafka client of a pipeline. */
export const kafkaClientConfigSchema = z.strictObject({
  brokers: z.array(brokerAddress).min(1),
  clientId: z.string().min(1).default('cloudpulse'),
  /** Time to wait for a broker connection (ms). */
  connectionTimeoutMs: z.number().int().positive().default(3_000),
  /** Time to wait for a request (ms). */
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

/** Where Avro schemas come from: a Confluent-compatible registry, or one local `.avsc` file. */
export const avroSchemaSourceSchema = z.union([
  z.strictObject({ registry: z.string().url() }),
  z.strictObject({ schemaFile: z.string().min(1) }),
]);

/**
 * The Kafka source of one stream input. Offsets are committed only through the engine's position
 * tracker; `stopAt: end` reads up to the log end offsets seen when a partition is assigned and then
 * ends the input (a bounded run, like `kcat -e`), `never` runs until stopped.
 */
export const kafkaSourceConfigSchema = z.strictObject({
  topic: z.string().min(1),
  groupId: z.string().min(1),
  format: z.enum(['json', 'avro']).default('json'),
  avro: avroSchemaSourceSchema.optional(),
  /** Where a partition with neither a stored nor a committed position starts. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  stopAt: z.enum(['never', 'end']).default('never'),
  sessionTimeoutMs: z.number().int().min(1_000).default(10_000),
  heartbeatIntervalMs: z.number().int().min(100).default(1_000),
  rebalanceTimeoutMs: z.number().int().min(1_000).default(60_000),
  /** Records per micro-batch handed to the topology. */
  batchSize: z.number().int().positive().default(1_000),
  maxBytesPerPartition: z.number().int().positive().default(1_048_576),
  /** Longest a fetch waits for data; also how long kafkajs idles while every partition is paused. */
  maxWaitTimeMs: z.number().int().positive().default(250),
  /** A record whose event time is this far past its Kafka timestamp is dead-lettered (`future_event_time`). */
  maxEventTimeAheadMs: z.number().int().positive().default(24 * 3_600_000),
  /**
   * A partition that has caught up with its log and sent nothing for this long stops holding the
   * watermark back until it sends again (an empty or quiet partition must not stall every window).
   */
  idleTimeoutMs: z.number().int().positive().default(10_000),
  isolationLevel: z.enum(['read_committed', 'read_uncommitted']).default('read_committed'),
}).superRefine((config, ctx) => {
  if (config.format === 'avro' && config.avro === undefined) ctx.addIssue({ code: 'custom', path: ['avro'], message: 'format avro needs avro.registry (a schema registry URL) or avro.schemaFile (an .avsc file)' });
  if (config.format === 'json' && config.avro !== undefined) ctx.addIssue({ code: 'custom', path: ['avro'], message: 'only for format avro' });
  if (config.heartbeatIntervalMs * 3 > config.sessionTimeoutMs) ctx.addIssue({ code: 'custom', path: ['heartbeatIntervalMs'], message: 'must be at most a third of sessionTimeoutMs' });
});

/**
 * A Kafka topic as a sink of output rows (`kafka://topic`): JSON values, keys from the table's key
 * columns. `transactional` sends the consumed offsets in the same transaction (Kafka → Kafka).
 */
export const kafkaSinkConfigSchema = z.strictObject({
  type: z.literal('kafka'),
  topic: z.string().min(1),
  /** One topic per output table: `<topic>.<table>` instead of one topic with a `table` field. */
  topicPerTable: z.boolean().default(false),
  transactional: z.boolean().default(false),
  /** The broker's `message.max.bytes`: sends are split to stay under it. */
  maxRequestBytes: z.number().int().min(1_024).default(1_000_000),
});

/** A Kafka topic as the dead-letter destination. */
export const kafkaDeadLetterConfigSchema = z.strictObject({
  topic: z.string().min(1),
});

export type KafkaClientConfig = z.infer<typeof kafkaClientConfigSchema>;
export type KafkaClientConfigInput = z.input<typeof kafkaClientConfigSchema>;
export type KafkaSourceConfig = z.infer<typeof kafkaSourceConfigSchema>;
export type KafkaSourceConfigInput = z.input<typeof kafkaSourceConfigSchema>;
export type KafkaSinkConfig = z.infer<typeof kafkaSinkConfigSchema>;
export type KafkaSinkConfigInput = z.input<typeof kafkaSinkConfigSchema>;
