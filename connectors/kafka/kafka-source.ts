import { Observable, type Subscriber } from 'rxjs';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  defaultRetryPolicy,
  partitionId,
  systemClock,
  withRetry,
  type DeadLetter,
  type RetryPolicy,
  type Row,
  type Source,
  type SourceContext,
  type SourcePosition,
  type StreamBatch,
  type StreamRecord,
} from '../../engine/index.js';
import { classifyKafkaError, isRebalanceError } from './classify-error.js';
import type { KafkaSourceConfig } from './config.js';
import type { ValueDecoder } from './decode-value.js';
import type { KafkaLog } from './kafka-log.js';

/** A decoded value typed into a row (the replay layer's `ValueRowBuilder` has this shape), or why not. */
export type RowResult =
  | { readonly ok: true; readonly row: Row; readonly eventTime: number; readonly key: string | undefined }
  | { readonly ok: false; readonly field: string | undefined; readonly detail: string };

/**
 * Turns a decoded message value into a typed row with its event time and key. It may use the value itself
 * as the row (the source owns it), and may reuse one result object between calls: read it before the next.
 */
export type ValueToRow = (value: unknown) => RowResult;

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly config: KafkaSourceConfig;
  readonly decoder: ValueDecoder;
  readonly toRow: ValueToRow;
  readonly log: KafkaLog;
  /**
   * A rebalance took partitions away whose records this pipeline's operators hold state for (or this
   * member lost its membership): the state is no longer this member's, so the caller stops the pipeline
   * gracefully and opens it again (a fresh topology). Until then the source feeds nothing more. Also
   * called (with no revoked partitions) when a rebalance adds partitions after records were fed (another
   * member left): the watermark may already be past the new partitions' records, which would all be late;
   * the fresh topology reads every assigned partition from its durable position instead.
   */
  readonly onStateLost?: (revokedPartitions: readonly number[]) => void;
  /** How long to keep replacing a consumer kafkajs gave up on (the broker away); default `defaultRetryPolicy`. */
  readonly retryPolicy?: RetryPolicy;
}

/** One run of the pipeline over this source: from `open` to the end of its subscription. */
interface Epoch {
  readonly ctx: SourceContext;
  subscriber: Subscriber<StreamBatch<Row>> | undefined;
  /** Next offset to feed, per partition assigned in this epoch (absent: not this epoch's). */
  readonly next: Map<number, number>;
  /** Partitions whose start offsets are being resolved (paused until then). */
  readonly preparing: Set<number>;
  /** Bounded runs: the log end offset per partition seen when it was assigned. */
  readonly endOffsets: Map<number, number>;
  readonly ended: Set<number>;
  /** Partitions that handed at least one message to the topology in this epoch. */
  readonly fed: Set<number>;
  /** Per partition: the log end offset last seen (assignment or fetch), and when it last fed or was assigned. */
  readonly knownEnd: Map<number, number>;
  readonly activeAt: Map<number, number>;
  readonly idle: Set<number>;
  /** Partition ids announced downstream on every batch (`startOfPartitions`). */
  announced: string[];
  idleTimer: NodeJS.Timeout | undefined;
  /** A rebalance took its partitions: it feeds and commits nothing more. */
  stale: boolean;
  failure: unknown;
}

/** A fetched batch handed from kafkajs's `eachBatch` to the feeder, with the payload functions it still needs. */
interface HandedBatch {
  readonly epoch: Epoch;
  readonly batch: EachBatchPayload['batch'];
  readonly heartbeat: () => Promise<void>;
  readonly isRunning: () => boolean;
  readonly isStale: () => boolean;
  readonly bytes: number;
  /** The partition's seek count at hand-over (`KafkaSource.seek`). */
  readonly seeks: number;
}

const REBALANCE_POLL_MS = 50;

/**
 * A Kafka topic as a stream input, on a kafkajs consumer group with auto-commit off:
 *
 * - Offsets are committed only through `commit`, which receives what the engine's position tracker
 *   allows (every sink acknowledged, no state hold); a commit for a partition this epoch no longer owns
 *   (revoked, or a stale group generation) is dropped, never sent.
 * - On assignment every new partition is paused, its start offset resolved — the transactional sinks'
 *   stored position + 1 when there is one, else the group's committed offset, else `startFrom` — sought,
 *   and resumed. Messages below the next expected offset (a fetch from before the seek) are skipped.
 * - Fetched batches are fed to the topology in micro-batches of `batchSize` records, heartbeating between
 *   them; while the runner has paused the source the feed waits, heartbeating, so a long pause never
 *   costs the membership. `eachBatch` only hands a batch over to the feeder, so the next fetch overlaps
 *   the topology's work; at most one fetch's worth of bytes waits for the feeder (then `eachBatch` waits
 *   too, and kafkajs stops fetching). A batch the feeder gives up on while its partition is still this
 *   epoch's is sought back to the first offset not fed, so nothing is skipped.
 * - A message that cannot be decoded or typed, or whose event time is more than `maxEventTimeAheadMs`
 *   past its Kafka timestamp, goes to the dead-letter destination with topic/partition/offset, the raw
 *   value (base64) and the reason.
 * - `stopAt: end`: each partition ends at the log end offset seen at its assignment (`endOfPartitions`);
 *   the observable completes when every assigned partition ended.
 *
 * Positions are `{ source: topic, partition: '<n>', offset }`.
 */
export class KafkaSource implements Source<Row> {
  readonly name: string;
  readonly boundedness: 'bounded' | 'unbounded';
  private readonly config: KafkaSourceConfig;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private starting: Promise<void> | undefined;
  private assigned = new Set<number>();
  private memberId: string | undefined;
  private epoch: Epoch | undefined;
  /** The last epoch stays here after its subscription ends, so the final commit can still be checked against it. */
  private commitEpoch: Epoch | undefined;
  private paused = false;
  private closed = false;
  /** A new consumer is joining after kafkajs gave up on the last one (`replaceConsumer`). */
  private replacing = false;
  /** Commits that failed (broker away): sent again with the next commit. */
  private readonly pendingCommits = new Map<number, number>();
  private readonly committed = new Map<number, number>();
  /** Fetched batches handed over by `eachBatch`, waiting for (or in) the feeder, and their value bytes. */
  private readonly handed: HandedBatch[] = [];
  private handedBytes = 0;
  private feeder: Promise<void> | undefined;
  /** Woken whenever the feeder finishes a batch. */
  private readonly handedProgress: (() => void)[] = [];
  /** Seeks per partition so far. */
  private readonly seeks = new Map<number, number>();
  /** Group joins seen so far, and who waits for the next one (`nextGroupJoin`). */
  private groupJoins = 0;
  private readonly joinWaiters = new Set<() => void>();

  constructor(private readonly options: KafkaSourceOptions) {
    this.config = options.config;
    this.name = options.config.topic;
    this.boundedness = options.config.stopAt === 'end' ? 'bounded' : 'unbounded';
  }

  open(ctx: SourceContext): Observable<StreamBatch<Row>> {
    return new Observable<StreamBatch<Row>>((subscriber) => {
      const epoch: Epoch = { ctx, subscriber, next: new Map(), preparing: new Set(), endOffsets: new Map(), ended: new Set(), fed: new Set(), knownEnd: new Map(), activeAt: new Map(), idle: new Set(), announced: [], idleTimer: undefined, stale: false, failure: undefined };
      this.epoch = epoch;
      this.commitEpoch = epoch;
      // A new run starts with nothing in flight: a pause left by the last one (it failed while paused, a
      // fenced write say) would keep this run from ever being fed.
      this.paused = false;
      this.start().then(
        () => {
          if (this.epoch === epoch && this.assigned.size > 0) this.prepare(epoch, [...this.assigned]);
        },
        (error: unknown) => subscriber.error(classifyKafkaError(error, `connecting to Kafka for ${this.name}`)),
      );
      epoch.idleTimer = setInterval(() => this.checkIdle(epoch), Math.min(1_000, this.config.idleTimeoutMs / 2));
      epoch.idleTimer.unref();
      return () => {
        clearInterval(epoch.idleTimer);
        epoch.subscriber = undefined;
        if (this.epoch === epoch) this.epoch = undefined;
      };
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    const epoch = this.commitEpoch;
    if (epoch === undefined || epoch.stale || this.consumer === undefined) return;
    for (const position of positions) {
      if (position.source !== this.name) continue;
      const partition = Number(position.partition);
      // Only partitions this epoch fed and still owns: after a revocation the new owner decides.
      if (!epoch.next.has(partition) || !this.assigned.has(partition)) continue;
      const next = position.offset + 1;
      if (next > (this.pendingCommits.get(partition) ?? -1)) this.pendingCommits.set(partition, next);
    }
    await this.flushCommits(false);
  }

  /**
   * Ends the pipeline run over this source (the epoch) and flushes pending commits. The consumer stays in
   * the group, so the next run (after a rebalance took state, or a fenced write) keeps its membership;
   * `shutdown` leaves the group.
   */
  async close(): Promise<void> {
    const epoch = this.commitEpoch;
    if (epoch !== undefined) epoch.subscriber = undefined;
    this.epoch = undefined;
    await this.flushCommits(false);
  }

  /** How many times this member has joined the group (each join + sync of a new generation counts). */
  groupJoinCount(): number {
    return this.groupJoins;
  }

  /**
   * Resolves true once this member has joined the group more than `seen` times (see `groupJoinCount`), or
   * false after `timeoutMs`. A member fenced by a newer owner of one of its partitions has missed a
   * rebalance; its next join tells it which partitions are still its own.
   */
  nextGroupJoin(seen: number, timeoutMs: number): Promise<boolean> {
    if (this.groupJoins > seen) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.joinWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.joinWaiters.delete(done);
        resolve(true);
      };
      this.joinWaiters.add(done);
    });
  }

  /** Leaves the group and disconnects (after a last attempt at pending commits). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushCommits(true);
    await this.disconnectClients();
    this.options.log('info', 'left the group', { topic: this.name, groupId: this.config.groupId });
  }

  private async flushCommits(final: boolean): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined || this.pendingCommits.size === 0) return;
    const partitions = [...this.pendingCommits].filter(([partition]) => this.assigned.has(partition));
    this.pendingCommits.clear();
    if (partitions.length === 0) return;
    try {
      await consumer.commitOffsets(partitions.map(([partition, offset]) => ({ topic: this.name, partition, offset: String(offset) })));
      for (const [partition, offset] of partitions) this.committed.set(partition, offset);
      this.options.log(final ? 'info' : 'debug', 'committed', { topic: this.name, offsets: Object.fromEntries(partitions) });
    } catch (error) {
      if (isRebalanceError(error)) {
        // The group moved on (new generation): these partitions' new owner resumes from what is durable.
        this.options.log('warn', 'commit dropped: the group is rebalancing', { topic: this.name, error: (error as Error).message });
        return;
      }
      for (const [partition, offset] of partitions) if (offset > (this.pendingCommits.get(partition) ?? -1)) this.pendingCommits.set(partition, offset);
      this.options.log('warn', 'commit failed; retried with the next one', { topic: this.name, error: (error as Error).message });
    }
  }

  private start(): Promise<void> {
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    const { kafka, config } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    this.admin = admin;
    const consumer = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      maxBytesPerPartition: config.maxBytesPerPartition,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      readUncommitted: config.isolationLevel === 'read_uncommitted',
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberId, event.payload.memberAssignment[this.name] ?? []));
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      this.options.log('error', 'consumer crashed', { topic: this.name, error: error.message, restart: event.payload.restart });
      if (event.payload.restart || consumer !== this.consumer) return;
      const classified = classifyKafkaError(error, `consuming ${this.name}`);
      if (classified.retryable && !this.closed) this.replaceConsumer();
      else this.epoch?.subscriber?.error(classified);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: config.topic, fromBeginning: config.startFrom === 'earliest' });
    this.options.log('info', 'connected', { topic: this.name, groupId: config.groupId });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * kafkajs stops a consumer for good when the broker stays away longer than its own retries (it then
   * reports "Failed to find group coordinator", which it marks non-retriable): a new consumer joins the
   * group again, with backoff, for as long as the retry policy allows. Joining as a new member takes the
   * state of every partition the pipeline held, so it rebuilds from the durable positions (`onStateLost`).
   */
  private replaceConsumer(): void {
    if (this.replacing) return;
    this.replacing = true;
    this.starting = undefined;
    const attempt = async (): Promise<void> => {
      await this.disconnectClients();
      if (this.closed) return;
      try {
        await this.start();
      } catch (error) {
        this.starting = undefined;
        throw classifyKafkaError(error, `reconnecting to Kafka for ${this.name}`);
      }
    };
    const onRetry = (error: unknown, attempt: number, delayMs: number): void =>
      this.options.log('warn', 'reconnecting the consumer failed; retrying', { topic: this.name, attempt, delayMs: Math.round(delayMs), error: (error as Error).message });
    withRetry(attempt, this.options.retryPolicy ?? defaultRetryPolicy, systemClock, onRetry).then(
      () => {
        this.replacing = false;
        this.options.log('info', 'consumer replaced', { topic: this.name });
      },
      (error: unknown) => {
        this.replacing = false;
        this.epoch?.subscriber?.error(classifyKafkaError(error, `reconnecting to Kafka for ${this.name}`));
      },
    );
  }

  private async disconnectClients(): Promise<void> {
    const consumer = this.consumer;
    const admin = this.admin;
    this.consumer = undefined;
    this.admin = undefined;
    await consumer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }

  /** Called synchronously by kafkajs after each join + sync, before any fetch of the new generation. */
  private onGroupJoin(memberId: string, partitions: readonly number[]): void {
    const now = new Set(partitions);
    const revoked = [...this.assigned].filter((p) => !now.has(p));
    const added = partitions.filter((p) => !this.assigned.has(p));
    const rejoined = this.memberId !== undefined && this.memberId !== memberId;
    this.memberId = memberId;
    this.assigned = now;
    this.groupJoins++;
    for (const wake of [...this.joinWaiters]) wake();
    for (const p of revoked) this.pendingCommits.delete(p);
    if (revoked.length > 0) this.options.log('info', 'revoked', { topic: this.name, partitions: revoked });
    const epoch = this.epoch;
    // Pause at once: nothing of these partitions is fetched before its start offset is resolved.
    if (partitions.length > 0) this.consumer?.pause([{ topic: this.name, partitions: [...partitions] }]);
    if (epoch === undefined) return;
    const lost = rejoined ? [...epoch.next.keys()] : revoked.filter((p) => epoch.next.has(p));
    const joinedLate = epoch.fed.size > 0 ? added : [];
    if (lost.length > 0 || joinedLate.length > 0) {
      epoch.stale = true;
      if (lost.length > 0) this.options.log('info', 'partitions with state were revoked: rebuilding the pipeline', { topic: this.name, partitions: lost });
      else this.options.log('info', 'partitions were added after records were fed: rebuilding the pipeline', { topic: this.name, partitions: joinedLate });
      this.options.onStateLost?.(lost);
      return;
    }
    this.prepare(epoch, added);
    // Partitions kept from before were paused above too: they continue where they were.
    const kept = partitions.filter((p) => epoch.next.has(p));
    if (kept.length > 0) this.consumer?.resume([{ topic: this.name, partitions: kept }]);
    for (const p of kept) this.seek(p, epoch.next.get(p)!);
  }

  /** Resolves start offsets of `partitions` for `epoch`, seeks and resumes them. */
  private prepare(epoch: Epoch, candidates: readonly number[]): void {
    const partitions = candidates.filter((p) => !epoch.next.has(p) && !epoch.preparing.has(p));
    if (partitions.length === 0) return;
    for (const p of partitions) epoch.preparing.add(p);
    this.consumer?.pause([{ topic: this.name, partitions: [...partitions] }]);
    this.startOffsets(epoch, partitions).then(
      (starts) => {
        if (epoch.stale || this.consumer === undefined) return;
        for (const [p, { offset, from, end, high }] of starts) {
          if (!this.assigned.has(p)) continue;
          epoch.preparing.delete(p);
          epoch.next.set(p, offset);
          this.seek(p, offset);
          if (end !== undefined) epoch.endOffsets.set(p, end);
          epoch.knownEnd.set(p, high);
          epoch.activeAt.set(p, epoch.ctx.clock.now());
          this.options.log('info', 'assigned', { topic: this.name, partition: p, offset, from, ...(end === undefined ? {} : { end }) });
        }
        const ready = [...starts.keys()].filter((p) => this.assigned.has(p));
        this.endEmptyPartitions(epoch, ready);
        this.announce(epoch);
        this.consumer.resume([{ topic: this.name, partitions: ready }]);
      },
      (error: unknown) => {
        epoch.failure = classifyKafkaError(error, `resolving start offsets of ${this.name}`);
        epoch.subscriber?.error(epoch.failure);
      },
    );
  }

  private async startOffsets(epoch: Epoch, partitions: readonly number[]): Promise<Map<number, { offset: number; from: string; end: number | undefined; high: number }>> {
    const stored = new Map<number, number>();
    for (const position of (await epoch.ctx.storedPositions?.(partitions.map(String))) ?? epoch.ctx.resumeFrom) {
      if (position.source !== this.name) continue;
      const p = Number(position.partition);
      // Several sinks storing positions: the lowest is durable in all of them.
      stored.set(p, Math.min(stored.get(p) ?? Number.POSITIVE_INFINITY, position.offset));
    }
    const admin = this.admin!;
    const [group] = await admin.fetchOffsets({ groupId: this.config.groupId, topics: [this.name] });
    const committed = new Map((group?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    const bounds = new Map((await admin.fetchTopicOffsets(this.name)).map((p) => [p.partition, { low: Number(p.low), high: Number(p.high) }]));
    const result = new Map<number, { offset: number; from: string; end: number | undefined; high: number }>();
    for (const p of partitions) {
      const { low, high } = bounds.get(p) ?? { low: 0, high: 0 };
      const end = this.config.stopAt === 'end' ? high : undefined;
      const s = stored.get(p);
      const c = committed.get(p);
      if (s !== undefined) result.set(p, { offset: Math.max(s + 1, low), from: 'stored position', end, high });
      else if (c !== undefined && c >= 0) result.set(p, { offset: Math.max(c, low), from: 'committed offset', end, high });
      else result.set(p, { offset: this.config.startFrom === 'earliest' ? low : high, from: this.config.startFrom, end, high });
    }
    return result;
  }

  /** Bounded runs: partitions with nothing to read end at once. */
  private endEmptyPartitions(epoch: Epoch, partitions: readonly number[]): void {
    const ended = partitions.filter((p) => {
      const end = epoch.endOffsets.get(p);
      return end !== undefined && (epoch.next.get(p) ?? 0) >= end;
    });
    if (ended.length > 0) this.endPartitions(epoch, ended, []);
  }

  private endPartitions(epoch: Epoch, partitions: readonly number[], records: StreamRecord<Row>[]): void {
    for (const p of partitions) epoch.ended.add(p);
    // A partition never announced (empty at assignment) holds nothing back downstream: no news to send.
    const known = partitions.map((p) => this.partitionIdOf(p)).filter((id) => epoch.announced.includes(id));
    if (records.length > 0 || known.length > 0) this.emit(epoch, records, known.length === 0 ? undefined : known);
    if ([...this.assigned].every((p) => epoch.ended.has(p))) {
      this.options.log('info', 'reached the end of every assigned partition', { topic: this.name });
      epoch.subscriber?.complete();
    }
  }

  /**
   * Hands a fetched batch to the feeder and returns, so kafkajs fetches the next batches while this one
   * goes through the topology (kafkajs fetches only after every `eachBatch` of the last fetch returned).
   * Batches waiting for the feeder are bounded by one fetch's worth of bytes (`maxBytesPerPartition` per
   * assigned partition): beyond that `eachBatch` waits, heartbeating, and kafkajs stops fetching. The
   * batch is resolved for kafkajs's fetch position at once; what was fed is `epoch.next`, and a batch the
   * feeder gives up on while the partition is still this epoch's is sought back to it (see `feed`).
   */
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, resolveOffset, isRunning, isStale } = payload;
    const partition = batch.partition;
    const epoch = await this.waitUntilFeedable(partition, heartbeat);
    if (epoch === undefined || !isRunning() || isStale()) return;
    await this.options.decoder.prepare(batch.messages);
    const limit = this.config.maxBytesPerPartition * Math.max(1, this.assigned.size);
    while (this.handedBytes >= limit) {
      await new Promise<void>((resolve) => {
        this.handedProgress.push(resolve);
        setTimeout(resolve, REBALANCE_POLL_MS).unref();
      });
      await heartbeat();
      if (this.epoch !== epoch || this.closed || !isRunning() || isStale()) return;
    }
    if (batch.messages.length > 0) resolveOffset(batch.lastOffset());
    let bytes = 0;
    for (const message of batch.messages) bytes += message.value?.length ?? 0;
    this.handed.push({ epoch, batch, heartbeat, isRunning, isStale, bytes, seeks: this.seeks.get(partition) ?? 0 });
    this.handedBytes += bytes;
    this.feeder ??= this.feedHanded();
  }

  /** Feeds handed batches in order, one at a time; the queue empties before this resolves. */
  private async feedHanded(): Promise<void> {
    try {
      for (let handed = this.handed[0]; handed !== undefined; handed = this.handed[0]) {
        try {
          await this.feed(handed);
        } catch (error) {
          handed.epoch.subscriber?.error(classifyKafkaError(error, `consuming ${this.name}`));
        }
        this.handed.shift();
        this.handedBytes -= handed.bytes;
        for (const wake of this.handedProgress.splice(0)) wake();
      }
    } finally {
      this.feeder = undefined;
    }
  }

  /**
   * Feeds one batch to the topology in micro-batches of `batchSize`, heartbeating between them and
   * waiting while the runner paused the source. Stops when the epoch or the partition stops being fed;
   * when the partition is still this epoch's, it is sought back to the next offset not fed, since kafkajs
   * already fetches past this batch.
   */
  private async feed(handed: HandedBatch): Promise<void> {
    const { epoch, batch, isRunning } = handed;
    const partition = batch.partition;
    // Sought since it was handed over: fetched from the old position (the seek set the new one).
    const isStale = (): boolean => handed.isStale() || (this.seeks.get(partition) ?? 0) !== handed.seeks;
    const heartbeat = (): Promise<void> => handed.heartbeat().catch(() => undefined);
    const messages = batch.messages;
    const size = this.config.batchSize;
    const partitionText = String(partition);
    for (let from = 0; from < messages.length; from += size) {
      const current = await this.waitUntilFeedable(partition, heartbeat);
      if (current !== epoch || !isRunning() || isStale()) {
        this.seekBackUnlessGone(epoch, partition, isStale);
        return;
      }
      const next = epoch.next.get(partition)!;
      const to = Math.min(messages.length, from + size);
      const records: StreamRecord<Row>[] = [];
      let last = -1;
      for (let i = from; i < to; i++) {
        const message = messages[i]!;
        const offset = Number(message.offset);
        if (offset < next) continue;
        last = offset;
        const record = this.toRecord(epoch, partitionText, offset, message);
        if (record !== undefined) records.push(record);
      }
      if (last < 0) continue;
      epoch.next.set(partition, last + 1);
      epoch.fed.add(partition);
      epoch.activeAt.set(partition, epoch.ctx.clock.now());
      epoch.idle.delete(partition);
      const end = epoch.endOffsets.get(partition);
      const endsHere = end !== undefined && last + 1 >= end && !epoch.ended.has(partition);
      if (endsHere) this.endPartitions(epoch, [partition], records);
      else if (records.length > 0) this.emit(epoch, records, undefined);
      // Not awaited: the feed need not wait for the coordinator's answer (kafkajs shares one heartbeat in flight).
      if (to < messages.length) void heartbeat();
    }
    // Control records (transaction markers) after the last message: the partition may end there.
    const end = epoch.endOffsets.get(partition);
    const lastOffset = Number(batch.lastOffset());
    if (end !== undefined && lastOffset + 1 >= end && !epoch.ended.has(partition) && epoch.next.has(partition)) {
      epoch.next.set(partition, Math.max(epoch.next.get(partition)!, lastOffset + 1));
      this.endPartitions(epoch, [partition], []);
    }
    epoch.knownEnd.set(partition, Number(batch.highWatermark));
    epoch.ctx.events.emit({ type: 'consumer_lag', topology: epoch.ctx.topology, source: this.name, partition: String(partition), endOffset: Number(batch.highWatermark), committedOffset: this.committed.get(partition) ?? 0 });
  }

  /**
   * A batch given up on while its partition is still assigned to the current, live epoch (the runner
   * stopped consuming, say, without a rebalance): kafkajs's position is past it, so seek back to what the
   * epoch has not fed. A pending seek (`isStale`) or a rebalance already set the position.
   */
  private seekBackUnlessGone(epoch: Epoch, partition: number, isStale: () => boolean): void {
    if (this.closed || epoch.stale || this.epoch !== epoch || isStale() || !this.assigned.has(partition)) return;
    const next = epoch.next.get(partition);
    if (next === undefined || epoch.ended.has(partition)) return;
    this.seek(partition, next);
  }

  /**
   * Seeks through kafkajs and counts the seek: a batch handed over before it was fetched from the old
   * position, so the feeder drops it (kafkajs's `isStale` only covers seeks not yet applied by a fetch).
   */
  private seek(partition: number, offset: number): void {
    this.seeks.set(partition, (this.seeks.get(partition) ?? 0) + 1);
    this.consumer?.seek({ topic: this.name, partition, offset: String(offset) });
  }

  private partitionIdOf(partition: number): string {
    return partitionId({ source: this.name, partition: String(partition) });
  }

  /** Announces this epoch's partitions (they hold the watermark back from now on). */
  private announce(epoch: Epoch): void {
    epoch.announced = [...epoch.next.keys()].filter((p) => this.assigned.has(p) && !epoch.ended.has(p)).sort((a, b) => a - b).map((p) => this.partitionIdOf(p));
  }

  private emit(epoch: Epoch, records: StreamRecord<Row>[], ended: string[] | undefined): void {
    epoch.subscriber?.next({
      records,
      startOfPartitions: epoch.announced,
      ...(epoch.idle.size === 0 ? {} : { idlePartitions: [...epoch.idle].map((p) => this.partitionIdOf(p)) }),
      ...(ended === undefined ? {} : { endOfPartitions: ended }),
    });
  }

  /**
   * A partition is idle once it has caught up with the log end offset last seen and fed nothing for
   * `idleTimeoutMs`: one still behind its log is slow (other partitions are being fetched), not idle.
   */
  private checkIdle(epoch: Epoch): void {
    if (epoch.subscriber === undefined || epoch.stale) return;
    const now = epoch.ctx.clock.now();
    let changed = false;
    for (const [p, next] of epoch.next) {
      if (epoch.idle.has(p) || epoch.ended.has(p) || !this.assigned.has(p)) continue;
      const caughtUp = next >= (epoch.knownEnd.get(p) ?? 0);
      if (caughtUp && now - (epoch.activeAt.get(p) ?? now) >= this.config.idleTimeoutMs) {
        epoch.idle.add(p);
        changed = true;
      }
    }
    if (changed) {
      this.options.log('debug', 'idle partitions', { topic: this.name, partitions: [...epoch.idle] });
      this.emit(epoch, [], undefined);
    }
  }

  /** Waits, heartbeating, while the runner paused the source, no epoch is open, or the partition's start is being resolved. */
  private async waitUntilFeedable(partition: number, heartbeat: () => Promise<void>): Promise<Epoch | undefined> {
    for (;;) {
      const epoch = this.epoch;
      if (this.closed) return undefined;
      if (epoch !== undefined && (epoch.stale || epoch.failure !== undefined)) return undefined;
      if (epoch !== undefined && !this.paused && !epoch.preparing.has(partition) && epoch.subscriber !== undefined) {
        return epoch.next.has(partition) && !epoch.ended.has(partition) ? epoch : undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, REBALANCE_POLL_MS));
      await heartbeat();
    }
  }

  /** The record of one message, or undefined when it went to the dead letters. No closures here: this runs per message. */
  private toRecord(epoch: Epoch, partition: string, offset: number, message: KafkaMessage): StreamRecord<Row> | undefined {
    const position: SourcePosition = { source: this.name, partition, offset };
    const decoded = this.options.decoder.decode(message.value);
    if (!decoded.ok) return this.deadLetter(epoch, position, message, decoded.reason, decoded.detail, undefined);
    const typed = this.options.toRow(decoded.value);
    if (!typed.ok) return this.deadLetter(epoch, position, message, 'parse_error', typed.detail, typed.field);
    const kafkaTime = Number(message.timestamp);
    if (typed.eventTime - kafkaTime > this.config.maxEventTimeAheadMs) {
      const detail = `event time ${new Date(typed.eventTime).toISOString()} is more than ${this.config.maxEventTimeAheadMs} ms past the record's Kafka timestamp ${new Date(kafkaTime).toISOString()}`;
      return this.deadLetter(epoch, position, message, 'future_event_time', detail, undefined);
    }
    // The key comes from the read options, as in a file replay: the message key only chose the partition.
    return typed.key === undefined
      ? { value: typed.row, eventTime: typed.eventTime, position }
      : { value: typed.row, eventTime: typed.eventTime, key: typed.key, position };
  }

  private deadLetter(epoch: Epoch, position: SourcePosition, message: KafkaMessage, reason: DeadLetter['reason'], detail: string, field: string | undefined): undefined {
    epoch.ctx.deadLetter({ position, reason, detail, ...(field === undefined ? {} : { field }), raw: message.value?.toString('base64') ?? '' });
    return undefined;
  }
}
