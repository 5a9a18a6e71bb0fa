import type { Kafka, Message, Producer } from 'kafkajs';

/** Records of one partition sent in one request: offsets `[baseOffset, baseOffset + count)`, one Kafka timestamp. */
export interface ProducedSpan {
  readonly partition: number;
  readonly baseOffset: number;
  readonly count: number;
  readonly timestamp: number;
  /** Wall-clock ms at which the broker's acknowledgement arrived. */
  readonly ackedAt: number;
}

export interface PacedProducerOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly recordsPerSecond: number;
  /** How often a request goes out; each carries the records due since the last one. */
  readonly tickMs?: number;
  /** Requests awaiting their acknowledgement beyond which the producer waits (it then catches up). */
  readonly maxOutstanding?: number;
}

const SYMBOLS = ['NVDA', 'AAPL', 'MSFT', 'AMZN', 'GOOG', 'META', 'TSLA', 'AVGO'];

/**
 * Produces ~100-byte JSON ticks at a steady rate (records due = elapsed × rate, sent every `tickMs`),
 * spread round-robin over the partitions, each request's records stamped with the wall-clock time at
 * which it is sent (the Kafka timestamp a latency is measured from). Keeps, per acknowledged request
 * and partition, the offsets the broker gave the records (`spans`).
 */
export class PacedProducer {
  readonly spans: ProducedSpan[] = [];
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private sent = 0;
  private acknowledged = 0;
  private outstanding = 0;
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  private price = 100;

  constructor(private readonly kafka: Kafka, private readonly options: PacedProducerOptions) {}

  get recordsSent(): number {
    return this.sent;
  }

  get recordsAcknowledged(): number {
    return this.acknowledged;
  }

  async start(): Promise<void> {
    // Not idempotent: kafkajs allows one request in flight then, which cannot keep a steady rate on a busy
    // machine. A bounded number in flight, though: with no bound, a run on a starved machine once left
    // kafkajs spinning with its requests never answered.
    const producer = this.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 5 });
    await producer.connect();
    this.producer = producer;
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 10);
  }

  /** Stops sending and waits (at most `timeoutMs`) for every request's acknowledgement; throws the first send failure. */
  async stop(timeoutMs = 60_000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
    const settled = await Promise.race([Promise.all(this.pending).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    const producer = this.producer;
    this.producer = undefined;
    if (settled === 'timeout') {
      void producer?.disconnect().catch(() => undefined);
      throw new Error(`${this.pending.size} produce requests unanswered ${timeoutMs} ms after the last one was sent`);
    }
    await producer?.disconnect();
    if (this.failure !== undefined) throw this.failure;
  }

  private tick(): void {
    if (this.failure !== undefined || this.outstanding >= (this.options.maxOutstanding ?? 20)) return;
    const due = Math.floor(((Date.now() - this.startedAt) * this.options.recordsPerSecond) / 1000) - this.sent;
    if (due <= 0) return;
    const { partitions, topic } = this.options;
    const timestamp = Date.now();
    const byPartition: Message[][] = Array.from({ length: partitions }, () => []);
    for (let i = 0; i < due; i++) {
      const n = this.sent + i;
      const symbol = SYMBOLS[n % SYMBOLS.length]!;
      this.price = Math.max(1, this.price + ((n * 7919) % 11) / 100 - 0.05);
      const value = JSON.stringify({ ts: timestamp, symbol, price: Math.round(this.price * 100) / 100, volume: 100 + (n % 900) });
      byPartition[n % partitions]!.push({ key: symbol, value, partition: n % partitions, timestamp: String(timestamp) });
    }
    this.sent += due;
    this.outstanding++;
    const request = this.producer!.send({ topic, acks: -1, messages: byPartition.flat() }).then(
      (metadata) => {
        const ackedAt = Date.now();
        for (const { partition, baseOffset } of metadata) {
          const count = byPartition[partition]!.length;
          if (count > 0) this.spans.push({ partition, baseOffset: Number(baseOffset), count, timestamp, ackedAt });
        }
        this.acknowledged += due;
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    ).finally(() => {
      this.outstanding--;
      this.pending.delete(request);
    });
    this.pending.add(request);
  }
}
