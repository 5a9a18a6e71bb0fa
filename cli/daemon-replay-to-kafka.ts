import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createKafkaClient } from '../connectors/kafka/create-kafka-client.js';
import type { KafkaLog } from '../connectors/kafka/kafka-log.js';
import { KafkaRowProducer } from '../connectors/kafka/kafka-row-producer.js';
import { ConfigError, EngineEvents, systemClock, type DeadLetter, type Row, type StreamBatch, type Topology } from '../engine/index.js';
import { openFileSource, readFirstLines, type ReplaySpeed } from '../replay/index.js';

/** A `replay <topology> --to kafka://<topic>` request. */
export interface ReplayToKafkaRequest {
  readonly topology: Topology;
  readonly dataDir: string;
  /** The stream input to replay (default: the topology's only one). */
  readonly input?: string;
  /** File name in dataDir (default: the input's default file). */
  readonly file?: string;
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly speed: ReplaySpeed;
  readonly from?: number;
  readonly to?: number;
  /** Field used as the message key (default: the input's key field, else `symbol` when the file has one). */
  readonly key?: string;
  readonly partitions: number;
  readonly log: KafkaLog;
  readonly signal?: AbortSignal;
}

export interface ReplayToKafkaResult {
  readonly produced: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly keyField: string | undefined;
}

// Batches waiting to be produced before the file source is paused.
const MAX_QUEUED_BATCHES = 8;

/**
 * Replays one stream input's file into a Kafka topic at a speed factor: each parsed row as a JSON value,
 * its event time as the Kafka timestamp, the key field's value as the key, so a running daemon sees the
 * history as live data. Rows that cannot be parsed are returned as dead letters, not produced.
 */
export async function replayToKafka(request: ReplayToKafkaRequest): Promise<ReplayToKafkaResult> {
  const { topology } = request;
  const streams = topology.inputs.filter((i) => i.kind === 'stream');
  const input = request.input === undefined ? streams[0] : streams.find((i) => i.name === request.input);
  if (input === undefined || (request.input === undefined && streams.length !== 1)) {
    throw new ConfigError('file', `${topology.name} has stream inputs ${streams.map((i) => i.name).join(', ')}: name one with --file <input>=<name>`);
  }
  const path = join(request.dataDir, request.file ?? input.defaultFile);
  try {
    await access(path);
  } catch {
    throw new ConfigError(request.file === undefined ? 'data' : 'file', `input ${input.name}: file not found: ${path}`);
  }
  const firstLines = await readFirstLines(path, 8);
  const readOptions = input.readOptions(basename(path), firstLines);
  const columns = (firstLines[0] ?? '').split(',').map((c) => c.trim());
  const keyField = request.key ?? readOptions.key ?? (columns.includes('symbol') ? 'symbol' : undefined);

  const kafka = createKafkaClient({ brokers: [...request.brokers], clientId: 'cloudpulse-replay', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000 }, request.log);
  const producer = new KafkaRowProducer(kafka, { topic: request.topic, partitions: request.partitions, ...(keyField === undefined ? {} : { keyField }) });
  await producer.open();
  const source = openFileSource({
    files: [path],
    readOptions,
    speed: request.speed,
    ...(request.from === undefined ? {} : { from: request.from }),
    ...(request.to === undefined ? {} : { to: request.to }),
  });
  const deadLetters: DeadLetter[] = [];
  let produced = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const queue: StreamBatch<Row>[] = [];
      let done = false;
      let sending = false;
      const pump = async (): Promise<void> => {
        if (sending) return;
        sending = true;
        try {
          while (queue.length > 0) {
            const batch = queue.shift()!;
            await producer.send(batch.records);
            produced += batch.records.length;
            if (queue.length < MAX_QUEUED_BATCHES / 2) source.resume();
          }
        } catch (error) {
          subscription.unsubscribe();
          reject(error);
          return;
        } finally {
          sending = false;
        }
        if (done) resolve();
      };
      const subscription = source
        .open({ topology: topology.name, clock: systemClock, events: new EngineEvents(), resumeFrom: [], deadLetter: (letter) => deadLetters.push(letter) })
        .subscribe({
          next: (batch) => {
            if (batch.records.length === 0) return;
            queue.push(batch);
            if (queue.length >= MAX_QUEUED_BATCHES) source.pause();
            void pump();
          },
          error: reject,
          complete: () => {
            done = true;
            void pump();
          },
        });
      request.signal?.addEventListener('abort', () => {
        subscription.unsubscribe();
        done = true;
        void pump();
      }, { once: true });
    });
  } finally {
    await source.close();
    await producer.close();
  }
  return { produced, deadLetters, keyField };
}
