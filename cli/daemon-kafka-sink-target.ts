import { createKafkaClient } from '../connectors/kafka/create-kafka-client.js';
import { kafkaClientConfigSchema, kafkaSinkConfigSchema, type KafkaSinkConfigInput } from '../connectors/kafka/config.js';
import { KafkaSink } from '../connectors/kafka/kafka-sink.js';
import { TransactionalKafkaSink } from '../connectors/kafka/transactional-kafka-sink.js';
import { ConfigError, type Sink } from '../engine/index.js';
import { validateConfig } from './load-config.js';

/**
 * A `kafka://<topic>` or `kafka://<host:port,…>/<topic>` sink target: output rows as JSON on the topic,
 * keyed by the table's key columns. Brokers: the URL's, else `brokers`, else `$CLOUDPULSE_KAFKA_BROKERS`.
 */
export function createKafkaSinkTarget(target: string, path: string, brokers?: readonly string[]): Sink {
  const match = /^kafka:\/\/(?:([^/]+)\/)?([A-Za-z0-9._-]+)$/.exec(target);
  if (match === null) throw new ConfigError(path, `expected kafka://<topic> or kafka://<host:port>/<topic>, got ${JSON.stringify(target)}`);
  const list = match[1]?.split(',') ?? brokers ?? process.env['CLOUDPULSE_KAFKA_BROKERS']?.split(',');
  if (list === undefined || list.length === 0) throw new ConfigError(path, `${target}: name the brokers (kafka://host:port/${match[2]}) or set CLOUDPULSE_KAFKA_BROKERS`);
  let client;
  try {
    client = validateConfig(kafkaClientConfigSchema, { brokers: list.map((b) => b.trim()), clientId: 'cloudpulse-sink' });
  } catch (error) {
    throw new ConfigError(path, error instanceof Error ? error.message : String(error));
  }
  return new KafkaSink(createKafkaClient(client, () => {}), { type: 'kafka', topic: match[2]! });
}

/** Where a `{ type: kafka, … }` sink object runs: the daemon's brokers, pipeline and input consumer groups. */
export interface KafkaSinkObjectSettings {
  readonly brokers?: readonly string[];
  readonly pipeline?: string;
  /** Input topic → consumer group; only a `cloudpulse run` pipeline (Kafka inputs) has them. */
  readonly consumerGroups?: Readonly<Record<string, string>>;
}

/**
 * A `{ type: kafka, topic, transactional?, topicPerTable?, maxRequestBytes? }` sink object. `transactional`
 * (Kafka → Kafka exactly-once) needs Kafka inputs, whose offsets it commits in its transactions.
 */
export function createKafkaSinkObject(target: KafkaSinkConfigInput, path: string, settings: KafkaSinkObjectSettings): Sink {
  const config = (() => {
    try {
      return validateConfig(kafkaSinkConfigSchema, target);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`${path}.${error.path}`, error.message.slice(error.path.length + 2));
      throw error;
    }
  })();
  const list = settings.brokers ?? process.env['CLOUDPULSE_KAFKA_BROKERS']?.split(',');
  if (list === undefined || list.length === 0) throw new ConfigError(path, 'name the brokers (the daemon config\'s kafka.brokers) or set CLOUDPULSE_KAFKA_BROKERS');
  const kafka = createKafkaClient(validateConfig(kafkaClientConfigSchema, { brokers: list.map((b) => b.trim()), clientId: 'cloudpulse-sink' }), () => {});
  if (!config.transactional) return new KafkaSink(kafka, config);
  if (settings.consumerGroups === undefined || settings.pipeline === undefined || Object.keys(settings.consumerGroups).length === 0) {
    throw new ConfigError(`${path}.transactional`, 'a transactional Kafka sink commits the offsets of Kafka inputs: use it in a `cloudpulse run` pipeline');
  }
  return new TransactionalKafkaSink(kafka, config, { pipeline: settings.pipeline, consumerGroups: settings.consumerGroups });
}
