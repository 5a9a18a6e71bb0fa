// @services kafka
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { KafkaSink } from '../../connectors/kafka/kafka-sink.js';
import type { Cell, TableSpec } from '../../engine/index.js';
import { readTopic } from '../kafka/kafka-transactional-read.js';
import { serviceSettings } from '../services/index.js';
import { describeSinkConformance } from './sink-conformance.js';

/**
 * Connections of one kafkajs client that the test can cut: once armed, the next request any of them sends
 * destroys them all, and new connections fail for `blockMs` — longer than the client's own retries, so
 * the failure reaches the runtime, whose retry then carries the write.
 */
class CuttableSockets {
  private readonly sockets = new Set<Socket>();
  private armed = false;
  private blockedUntil = 0;
  private cut: (() => void) | undefined;

  constructor(private readonly blockMs: number) {}

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    if (Date.now() < this.blockedUntil) {
      setImmediate(() => socket.destroy(new Error('connection refused by the test (server away)')));
      return socket;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      if (this.armed) {
        this.armed = false;
        this.blockedUntil = Date.now() + this.blockMs;
        for (const s of this.sockets) s.destroy(new Error('connection cut by the test (server away)'));
        this.cut?.();
        return false;
      }
      return write(...args);
    }) as Socket['write'];
    return socket;
  };

  /** Runs `write` with the next request cut; resolves to whether the cut happened while it ran. */
  async interruptDuring(write: () => Promise<void>): Promise<boolean> {
    let hit = false;
    this.cut = () => (hit = true);
    this.armed = true;
    await write();
    this.armed = false;
    this.cut = undefined;
    while (Date.now() < this.blockedUntil) await sleep(50);
    return hit;
  }
}

/** The table as a compacted topic presents it: the last value per key, a tombstone removing its key. */
async function readTopicTable(kafka: Kafka, topic: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  const admin = kafka.admin();
  await admin.connect();
  const exists = (await admin.listTopics()).includes(topic);
  await admin.disconnect();
  if (!exists) return [];
  const latest = new Map<string, Record<string, Cell> | null>();
  for (const message of await readTopic(kafka, topic, 'read_committed')) {
    latest.set(message.key!.toString('utf8'), message.value === null ? null : (JSON.parse(message.value.toString('utf8')) as Record<string, Cell>));
  }
  return [...latest.values()]
    .filter((row): row is Record<string, Cell> => row !== null)
    .map((row) => Object.fromEntries(spec.columns.map((c) => [c.name, row[c.name] ?? null])));
}

// The Kafka sink (idempotent producer, `topicPerTable`: one topic per conformance table) against the test
// run's broker. A log keeps every write; the suite reads it as a compacted topic would (last value per key),
// which is how the sink's output is meant to be read as a table. The server going away is a cut of the
// client's connections mid-request, with reconnections refused for longer than kafkajs's own retries.
describeSinkConformance('kafka', async () => {
  const { brokers } = serviceSettings('kafka');
  const sockets = new CuttableSockets(1_500);
  const base = `conf-${randomUUID().slice(0, 8)}`;
  const client = new Kafka({ clientId: 'conformance-sink', brokers: [...brokers], socketFactory: sockets.factory, retry: { retries: 2, initialRetryTime: 100 }, logLevel: logLevel.NOTHING });
  const reader = new Kafka({ clientId: 'conformance-reader', brokers: [...brokers], logLevel: logLevel.NOTHING });
  return {
    createSink: () => new KafkaSink(client, { type: 'kafka', topic: base, topicPerTable: true }),
    readTable: (spec) => readTopicTable(reader, `${base}.${spec.name}`, spec),
    interruptDuring: (write) => sockets.interruptDuring(write),
    // Over the broker's message.max.bytes (1 MiB by default): the broker would refuse it.
    rejectedRow: (row) => ({ ...row, label: 'x'.repeat(1_100_000) }),
    deletesByKey: true,
    async close() {},
  };
});
