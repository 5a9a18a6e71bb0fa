import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { quoteIdentifier } from '../../connectors/postgres/quote-identifier.js';
import type { TestDatabase } from '../postgres/test-database.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(HERE, '..', '..');
const CHILD = join(HERE, 'daemon-child.ts');

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

/** A kafkajs client for test setup and checks (not the code under test's). */
export function testKafka(brokers: readonly string[]): Kafka {
  return new Kafka({ clientId: 'cloudpulse-test', brokers: [...brokers], logLevel: logLevel.NOTHING });
}

/** Creates a topic with infinite retention (replayed history has old timestamps). */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Per partition, the log end offset. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Per partition, the group's committed offset (the next to read; -1: none). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export interface DaemonOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed JSON log lines. */
  readonly logs: readonly { msg: string; [field: string]: unknown }[];
  readonly killedAt?: number;
}

export interface DaemonControl {
  /** Polled every 20 ms; once it returns a number the child gets `signal` after `delayMs`. */
  readonly when?: () => Promise<number | undefined>;
  readonly signal?: NodeJS.Signals;
  readonly delayMs?: number;
}

/** Runs the daemon (test/kafka/daemon-child.ts) with a config object; optionally signals it once `when` fires. */
export async function runDaemonChild(config: unknown, control: DaemonControl = {}): Promise<DaemonOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));
  let killedAt: number | undefined;
  if (control.when !== undefined) {
    while (running) {
      const seen = await control.when().catch(() => undefined);
      if (seen !== undefined && running) {
        if ((control.delayMs ?? 0) > 0) await sleep(control.delayMs);
        if (!running) break;
        killedAt = seen;
        child.kill(control.signal ?? 'SIGKILL');
        break;
      }
      await sleep(20);
    }
  }
  const { code, signal } = await exited;
  return { code, signal, stdout, stderr, logs: parseLogs(stdout), ...(killedAt === undefined ? {} : { killedAt }) };
}

function parseLogs(stdout: string): { msg: string }[] {
  const logs: { msg: string }[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      logs.push(JSON.parse(line) as { msg: string });
    } catch {
      // not a log line
    }
  }
  return logs;
}

/** Rows in one schema's table but not the other's (both ways, duplicates counted), and each side's count. */
export async function compareTables(db: TestDatabase, left: string, right: string, table: string): Promise<{ leftOnly: number; rightOnly: number; left: number; right: number }> {
  const l = `${quoteIdentifier(left)}.${quoteIdentifier(table)}`;
  const r = `${quoteIdentifier(right)}.${quoteIdentifier(table)}`;
  const [row] = await db.query<{ left_only: string; right_only: string; left: string; right: string }>(
    `SELECT (SELECT count(*) FROM (SELECT * FROM ${l} EXCEPT ALL SELECT * FROM ${r}) x)::text AS left_only,
            (SELECT count(*) FROM (SELECT * FROM ${r} EXCEPT ALL SELECT * FROM ${l}) x)::text AS right_only,
            (SELECT count(*) FROM ${l})::text AS left, (SELECT count(*) FROM ${r})::text AS right`,
  );
  return { leftOnly: Number(row!.left_only), rightOnly: Number(row!.right_only), left: Number(row!.left), right: Number(row!.right) };
}

/** The daemon config of one pipeline reading `topic` in group `groupId` into a Postgres schema. */
export function pipelineConfig(options: {
  brokers: readonly string[];
  name: string;
  topology: string;
  input: string;
  topic: string;
  groupId: string;
  sink: string;
  deadLetterTopic: string;
  stopAt?: 'end' | 'never';
  extra?: Record<string, unknown>;
  /** Pipeline-level settings (e.g. `maxInFlightRecords`). */
  pipeline?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    kafka: { brokers: [...options.brokers] },
    metrics: false,
    drainTimeoutMs: 30_000,
    pipelines: [
      {
        name: options.name,
        topology: options.topology,
        inputs: { [options.input]: { topic: options.topic, groupId: options.groupId, stopAt: options.stopAt ?? 'end', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, ...options.extra } },
        sinks: [options.sink],
        deadLetter: { topic: options.deadLetterTopic },
        ...options.pipeline,
      },
    ],
  };
}
