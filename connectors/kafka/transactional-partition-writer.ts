import type { Kafka, Message, Producer, Transaction } from 'kafkajs';
import { FencedError, systemClock, TransientError, withRetry, type RetryPolicy } from '../../engine/index.js';
import { classifyKafkaError } from './classify-error.js';
import type { KafkaLog } from './kafka-log.js';
import { splitBySize } from './split-by-size.js';

/** An output message and the input offset (in this writer's partition) of the record that caused it. */
export interface CausedMessage {
  readonly topic: string;
  readonly message: Message;
  readonly inputOffset: number;
}

export interface TransactionalPartitionWriterOptions {
  readonly kafka: Kafka;
  /** `<pipeline>-<topic>-<partition>`: one per input partition, the same in every member of the group. */
  readonly transactionalId: string;
  readonly consumerGroupId: string;
  readonly source: string;
  readonly partition: number;
  readonly maxRequestBytes: number;
  readonly transactionTimeoutMs: number;
  /** The group's committed offset of this partition (the next to read), or undefined when it has none. */
  readonly readCommitted: () => Promise<number | undefined>;
  readonly now: () => number;
  readonly log: KafkaLog;
}

// Errors that say another producer with our transactional id started after us: the partition moved.
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
const PRODUCER_FENCED_CODE = 90;
const CONCURRENT_RETRY: RetryPolicy = { maxAttempts: 10, initialDelayMs: 10, maxDelayMs: 200, multiplier: 2, jitter: 0.5 };

function isFenced(error: unknown): boolean {
  const e = error as { type?: string; code?: number; originalError?: unknown } | undefined;
  if (e === undefined || e === null) return false;
  if ((e.type !== undefined && FENCED_TYPES.has(e.type)) || e.code === PRODUCER_FENCED_CODE) return true;
  return e.originalError !== undefined && isFenced(e.originalError);
}

/**
 * The transactional producer of one input partition. kafkajs 2.2.4 commits offsets with TxnOffsetCommit v1,
 * which carries no consumer-group generation (KIP-447 came with v3), so the group coordinator cannot reject a
 * zombie's offset commit; what fences a zombie is the transactional id. Keyed by the input partition, it is
 * the same in whichever member owns the partition: the new owner's `claim` (InitProducerId) bumps the epoch,
 * which aborts the old owner's open transaction (and waits until that abort, or a commit already decided, is
 * complete) and makes every later request of the old producer fail with a fencing error.
 *
 * Each transaction carries the outputs caused by this partition's records and, when given, the partition's
 * consumed offset: both become visible (read_committed) or neither. `committedThrough` — the last input
 * offset whose outputs are in the log — is read from the group after every claim, so outputs at or below it
 * (sent again after a failed commit whose outcome was unknown, or re-read because another sink stores an
 * older position) are not sent twice.
 */
export class TransactionalPartitionWriter {
  private producer: Producer | undefined;
  private fenced = false;
  /** The last input offset whose outputs are committed in the log (group offset − 1); undefined: none. */
  committedThrough: number | undefined;
  /** When the last transaction committed (`now`): the sink spaces out offsets-only transactions by it. */
  lastCommitAt = 0;

  constructor(private readonly options: TransactionalPartitionWriterOptions) {}

  /**
   * Takes the partition's transactional id (fencing every earlier holder) and reads the group's committed
   * offset after that, so no earlier owner's commit can land after the read.
   */
  async claim(): Promise<void> {
    await this.discard();
    this.fenced = false;
    const { kafka, transactionalId, transactionTimeoutMs } = this.options;
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: transactionTimeoutMs, allowAutoTopicCreation: true });
    try {
      await producer.connect();
      // kafkajs sends InitProducerId with the first transaction; one without partitions or offsets ends locally.
      const probe = await producer.transaction();
      await probe.abort();
      const committed = await this.options.readCommitted();
      this.committedThrough = committed === undefined ? undefined : committed - 1;
      this.producer = producer;
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw classifyKafkaError(error, `claiming transactional id ${transactionalId}`);
    }
    this.options.log('debug', 'claimed transactional id', { transactionalId, committedThrough: this.committedThrough });
  }

  /**
   * One transaction with the messages caused by input records after `committedThrough` and, when
   * `through` passes it, the consumed offset `through + 1`. Resolves once committed; a failure discards the
   * producer (the next write claims again, which aborts what is left open), a fencing error is permanent.
   */
  async write(messages: readonly CausedMessage[], through: number | undefined): Promise<void> {
    if (this.fenced) throw this.fencedError();
    if (this.producer === undefined) await this.claim();
    const after = this.committedThrough ?? Number.NEGATIVE_INFINITY;
    const fresh = messages.filter((m) => m.inputOffset > after);
    const offset = through !== undefined && through > after ? through : undefined;
    if (fresh.length === 0 && offset === undefined) return;
    const { source, partition, consumerGroupId, maxRequestBytes } = this.options;
    let transaction: Transaction | undefined;
    try {
      transaction = await this.producer!.transaction();
      for (const [topic, group] of byTopic(fresh)) {
        for (const chunk of splitBySize(group, maxRequestBytes)) await transaction.send({ topic, messages: chunk, acks: -1 });
      }
      if (offset !== undefined) {
        const tx = transaction;
        const offsets = { consumerGroupId, topics: [{ topic: source, partitions: [{ partition, offset: String(offset + 1) }] }] };
        await withRetry(async () => {
          try {
            await tx.sendOffsets(offsets);
          } catch (error) {
            // The previous transaction's markers are still being written (EndTxn returns before): the Java client
            // retries AddOffsetsToTxn on CONCURRENT_TRANSACTIONS, kafkajs does not. The request changed nothing.
            if ((error as { type?: string }).type === 'CONCURRENT_TRANSACTIONS') throw new TransientError('kafka: previous transaction still completing', { cause: error, code: 'kafka_concurrent_transactions' });
            throw error;
          }
        }, CONCURRENT_RETRY, systemClock).catch((error: unknown) => {
          throw error instanceof TransientError && error.code === 'kafka_concurrent_transactions' ? error.cause : error;
        });
      }
      await transaction.commit();
    } catch (error) {
      await this.discard();
      if (isFenced(error)) {
        this.fenced = true;
        this.options.log('warn', 'fenced: another member owns this input partition now', { transactionalId: this.options.transactionalId });
        throw this.fencedError(error);
      }
      throw classifyKafkaError(error, `transaction of ${this.options.transactionalId} (${fresh.length} messages${offset === undefined ? '' : `, offset ${offset + 1}`})`);
    }
    if (offset !== undefined) this.committedThrough = offset;
    this.lastCommitAt = this.options.now();
  }

  async close(): Promise<void> {
    await this.discard();
  }

  private async discard(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private fencedError(cause?: unknown): FencedError {
    const { source, partition, transactionalId } = this.options;
    return new FencedError(`kafka: ${source}/${partition} was claimed by another member (transactional id ${transactionalId} fenced); its outputs are left to it`, { cause, code: 'kafka_producer_fenced' });
  }
}

function byTopic(messages: readonly CausedMessage[]): Map<string, Message[]> {
  const grouped = new Map<string, Message[]>();
  for (const { topic, message } of messages) {
    let list = grouped.get(topic);
    if (list === undefined) grouped.set(topic, (list = []));
    list.push(message);
  }
  return grouped;
}
