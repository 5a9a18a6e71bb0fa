import type { Admin, Kafka } from 'kafkajs';
import {
  ConfigError,
  partitionId,
  PermanentError,
  defaultRetryPolicy,
  systemClock,
  withRetry,
  type Clock,
  type SinkOpenContext,
  type SourceCommittingSink,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type WriteContext,
} from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import { kafkaSinkConfigSchema, type KafkaSinkConfig, type KafkaSinkConfigInput } from './config.js';
import type { KafkaLog } from './kafka-log.js';
import { messageBytes, rowMessage } from './kafka-sink-messages.js';
import { ensureSinkTopics, sinkTopics } from './kafka-sink-topics.js';
import { TransactionalPartitionWriter, type CausedMessage } from './transactional-partition-writer.js';

export interface TransactionalKafkaSinkOptions {
  /** The pipeline's name: transactional ids are `<pipeline>-<topic>-<partition>`. */
  readonly pipeline: string;
  /** Input topic → the consumer group that reads it (its offsets are committed inside the transactions). */
  readonly consumerGroups: Readonly<Record<string, string>>;
  readonly log?: KafkaLog;
  /** Shortest gap between two offsets-only transactions of one partition (positions that moved without output). */
  readonly offsetsOnlyIntervalMs?: number;
  /** How long an open transaction may live before the broker aborts it (a killed daemon's, say). */
  readonly transactionTimeoutMs?: number;
}

/**
 * Kafka → Kafka exactly-once: output rows (keyed and encoded as by `KafkaSink`) and the consumed offsets
 * go into the output topic and the consumer group in one Kafka transaction per input partition, with one
 * transactional producer per input partition (see `TransactionalPartitionWriter` for why, and for fencing).
 *
 * - The consumer group's offsets are this sink's stored positions: the runner hands it the committable
 *   positions instead of calling the source's `commit` (`SourceCommittingSink`), so offsets are only ever
 *   committed inside a transaction. `storedPositions(topic, partitions)` runs on each assignment: it claims
 *   the partitions' transactional ids first, then reads the group's offsets, so the source resumes exactly
 *   after the last committed transaction.
 * - A write commits one transaction per input partition it has outputs or a new position for (in parallel).
 *   After a failure the runtime retries the write; partitions that already committed skip the outputs at or
 *   below their committed offset, so nothing is sent twice.
 * - Offsets that move without outputs (dead-lettered or filtered records) are committed in offsets-only
 *   transactions, at most one per partition per `offsetsOnlyIntervalMs`; the rest on `close`.
 * - A message larger than `maxRequestBytes` (the broker's `message.max.bytes`) is dead-lettered.
 *
 * Consumers of the output see each result once with `isolation.level=read_committed`; read_uncommitted
 * readers also see the aborted transactions of killed runs.
 */
export class TransactionalKafkaSink implements SourceCommittingSink {
  readonly name = 'kafka';
  private readonly config: KafkaSinkConfig;
  private readonly tables = new Map<string, TableSpec>();
  private readonly writers = new Map<string, TransactionalPartitionWriter>();
  /** Positions waiting for their offsets-only transaction, by partition id. */
  private readonly pending = new Map<string, SourcePosition>();
  private readonly log: KafkaLog;
  private readonly intervalMs: number;
  private admin: Admin | undefined;
  private clock: Clock | undefined;

  constructor(private readonly kafka: Kafka, config: KafkaSinkConfigInput | KafkaSinkConfig, private readonly options: TransactionalKafkaSinkOptions) {
    this.config = kafkaSinkConfigSchema.parse(config);
    if (!this.config.transactional) throw new ConfigError('transactional', 'TransactionalKafkaSink needs transactional: true');
    this.log = options.log ?? (() => {});
    this.intervalMs = options.offsetsOnlyIntervalMs ?? 1_000;
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    for (const spec of ctx.tables) this.tables.set(spec.name, spec);
    this.clock = ctx.clock;
    await ensureSinkTopics(this.kafka, sinkTopics(this.config, ctx.tables));
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw classifyKafkaError(error, `connecting the transactional sink for ${this.config.topic}`);
    }
    this.admin = admin;
  }

  async storedPositions(source: string, partitions?: readonly string[]): Promise<readonly SourcePosition[]> {
    if (partitions !== undefined) await Promise.all(partitions.map((partition) => this.writer(source, partition).claim()));
    const committed = await this.groupOffsets(source);
    return [...committed].filter(([, next]) => next > 0).map(([partition, next]) => ({ source, partition: String(partition), offset: next - 1 }));
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    const messages = new Map<string, { source: string; partition: string; caused: CausedMessage[] }>();
    for (const record of batch) {
      const { topic, message } = rowMessage(record, this.tables, this.config);
      const bytes = messageBytes(message);
      if (bytes > this.config.maxRequestBytes) {
        ctx.deadLetter({ position: record.position, reason: 'sink_rejected', detail: `kafka: a ${bytes}-byte message is over maxRequestBytes ${this.config.maxRequestBytes} (the broker's message.max.bytes): the broker would reject it`, raw: message.value?.toString().slice(0, 1_000) ?? '' });
        continue;
      }
      const id = partitionId(record.position);
      let entry = messages.get(id);
      if (entry === undefined) messages.set(id, (entry = { source: record.position.source, partition: record.position.partition, caused: [] }));
      entry.caused.push({ topic, message, inputOffset: record.position.offset });
    }
    const work = new Map<string, { source: string; partition: string; caused: CausedMessage[]; through: number | undefined }>();
    for (const [id, entry] of messages) work.set(id, { ...entry, through: undefined });
    for (const position of ctx.positions) {
      const id = partitionId(position);
      const entry = work.get(id);
      if (entry !== undefined) entry.through = position.offset;
      else this.pending.set(id, position);
    }
    // A position waiting for an offsets-only transaction rides along with this partition's outputs instead.
    for (const [id, entry] of work) {
      const waiting = this.pending.get(id);
      if (waiting !== undefined && (entry.through === undefined || waiting.offset > entry.through)) entry.through = waiting.offset;
      if (entry.through !== undefined) this.pending.delete(id);
    }
    await this.run([...work.values()]);
    await this.commitPending(false);
  }

  async commitPositions(positions: readonly SourcePosition[]): Promise<void> {
    for (const position of positions) {
      const id = partitionId(position);
      const waiting = this.pending.get(id);
      if (waiting === undefined || position.offset > waiting.offset) this.pending.set(id, position);
    }
    await this.commitPending(false);
  }

  /** Each write commits its own transactions: only offsets-only ones may be waiting. */
  async flush(): Promise<void> {
    await this.commitPending(true);
  }

  async close(): Promise<void> {
    await this.commitPending(true).catch((error: unknown) => this.log('warn', 'offsets-only commit at close failed; the records after the last commit are read again', { topic: this.config.topic, error: (error as Error).message }));
    const writers = [...this.writers.values()];
    this.writers.clear();
    await Promise.all(writers.map((writer) => writer.close()));
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async commitPending(force: boolean): Promise<void> {
    const now = this.clock?.now() ?? 0;
    const due: { source: string; partition: string; caused: CausedMessage[]; through: number }[] = [];
    for (const [id, position] of this.pending) {
      const writer = this.writer(position.source, position.partition);
      if (!force && now - writer.lastCommitAt < this.intervalMs) continue;
      this.pending.delete(id);
      due.push({ source: position.source, partition: position.partition, caused: [], through: position.offset });
    }
    await this.run(due);
  }

  /** One transaction per entry, in parallel; the first failure is thrown once all have settled. */
  private async run(work: readonly { source: string; partition: string; caused: readonly CausedMessage[]; through: number | undefined }[]): Promise<void> {
    const results = await Promise.allSettled(work.map((entry) => this.writer(entry.source, entry.partition).write(entry.caused, entry.through)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private writer(source: string, partition: string): TransactionalPartitionWriter {
    const id = partitionId({ source, partition });
    let writer = this.writers.get(id);
    if (writer !== undefined) return writer;
    const consumerGroupId = this.options.consumerGroups[source];
    if (consumerGroupId === undefined) throw new PermanentError(`kafka: the transactional sink has no consumer group for input ${source} (it commits the offsets of Kafka inputs only)`, { code: 'kafka_no_consumer_group' });
    const number = Number(partition);
    writer = new TransactionalPartitionWriter({
      kafka: this.kafka,
      transactionalId: `${this.options.pipeline}-${source}-${partition}`,
      consumerGroupId,
      source,
      partition: number,
      maxRequestBytes: this.config.maxRequestBytes,
      transactionTimeoutMs: this.options.transactionTimeoutMs ?? 60_000,
      readCommitted: async () => (await this.groupOffsets(source)).get(number),
      now: () => this.clock?.now() ?? 0,
      log: this.log,
    });
    this.writers.set(id, writer);
    return writer;
  }

  /** The group's committed offsets of `source` (next offset to read), by partition. */
  private async groupOffsets(source: string): Promise<Map<number, number>> {
    const groupId = this.options.consumerGroups[source];
    if (groupId === undefined || this.admin === undefined) return new Map();
    const admin = this.admin;
    // Called on assignment, outside the runtime's write retries: a coordinator still loading is retried here.
    return withRetry(async () => {
      try {
        // Without topics: every topic the group has offsets for, and no metadata request for `source`.
        const topics = await admin.fetchOffsets({ groupId });
        const mine = topics.find((t) => t.topic === source);
        return new Map((mine?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as [number, number]).filter(([, offset]) => offset >= 0));
      } catch (error) {
        throw classifyKafkaError(error, `reading the offsets of group ${groupId}`);
      }
    }, defaultRetryPolicy, this.clock ?? systemClock, (error, attempt) => this.log('warn', 'reading group offsets failed; retrying', { groupId, attempt, error: (error as Error).message }));
  }
}
