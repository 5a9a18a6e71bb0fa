import { createKafkaClient } from '../connectors/kafka/create-kafka-client.js';
import { kafkaClientConfigSchema } from '../connectors/kafka/config.js';
import { KafkaSink } from '../connectors/kafka/kafka-sink.js';
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
