// The paced producer as its own process (so it shares no event loop with what it measures):
//   node --import tsx bench/kafka-latency-producer-child.ts <json {brokers, topic, partitions, recordsPerSecond, seconds, spansFile}>
// Writes the acknowledged spans as JSON to spansFile, then exits.
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { PacedProducer } from './kafka-latency-producer.js';

interface ProducerChildSettings {
  readonly brokers: string[];
  readonly topic: string;
  readonly partitions: number;
  readonly recordsPerSecond: number;
  readonly seconds: number;
  readonly spansFile: string;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as ProducerChildSettings;
const kafka = new Kafka({ clientId: 'bench-producer', brokers: settings.brokers, logLevel: logLevel.NOTHING });
const producer = new PacedProducer(kafka, { topic: settings.topic, partitions: settings.partitions, recordsPerSecond: settings.recordsPerSecond });
const startedAt = Date.now();
await producer.start();
await sleep(settings.seconds * 1000);
await producer.stop();
await writeFile(settings.spansFile, JSON.stringify({ startedAt, sent: producer.recordsSent, spans: producer.spans }));
