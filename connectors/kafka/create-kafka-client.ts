import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { KafkaClientConfig } from './config.js';
import type { KafkaLog } from './kafka-log.js';

const LEVELS: Readonly<Record<number, 'debug' | 'info' | 'warn' | 'error'>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go to `log` (its info chatter at debug level). */
export function createKafkaClient(config: KafkaClientConfig, log: KafkaLog): Kafka {
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...fields } = entry.log;
      log(LEVELS[entry.level] ?? 'debug', `kafkajs: ${message}`, { namespace: entry.namespace, ...fields });
    },
  });
}
