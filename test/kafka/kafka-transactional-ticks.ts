import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { Prng } from '../../replay/index.js';
import { kafkaTicksOutTable } from './kafka-passthrough-topology.js';
import { createTopic, endOffsets } from './kafka-test-kit.js';
import { readTopic } from './kafka-transactional-read.js';

export interface Tick {
  readonly ts: number;
  readonly symbol: string;
  readonly price: number;
  readonly volume: number;
}

/** The input, made here with kafkajs (not by our code): `volume` is the record's sequence number, unique. */
export function ticks(count: number): Tick[] {
  const rng = new Prng(20_261_129);
  const symbols = ['NVDA', 'AMD', 'INTC', 'TSM', 'AVGO', 'QCOM', 'ARM', 'MU'];
  return Array.from({ length: count }, (_, i) => ({
    ts: Date.UTC(2024, 0, 2, 14, 30) + i * 10,
    symbol: symbols[rng.int(0, symbols.length - 1)]!,
    price: Math.round(rng.range(50, 900) * 100) / 100,
    volume: i,
  }));
}

/** Produces the ticks keyed by their unique `volume`, so every partition gets some. */
export async function produceTicks(kafka: Kafka, topic: string, records: readonly Tick[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let from = 0; from < records.length; from += 5_000) {
      const messages = records.slice(from, from + 5_000).map((t) => ({ key: String(t.volume), value: JSON.stringify(t), timestamp: String(t.ts) }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** `createTopic`, tolerating a just-started broker whose metadata lags the creation ("does not host this topic-partition"). */
export async function createTopicSettled(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createTopic(kafka, topic, partitions);
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(500);
      if ((await endOffsets(kafka, topic).catch(() => new Map())).size === partitions) return;
    }
  }
}

/** A passthrough output row as the transactional sink writes it (the row and its table). */
export interface OutputRow {
  readonly table: string;
  readonly partition: number;
  readonly offset: number;
  readonly ts: number;
  readonly symbol: string;
  readonly price: number;
  readonly volume: number;
}

/** The output topic's rows as a consumer with `isolation` sees them. */
export async function readOutputRows(kafka: Kafka, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<OutputRow[]> {
  return (await readTopic(kafka, topic, isolation)).map((m) => JSON.parse(m.value!.toString('utf8')) as OutputRow);
}

/**
 * Compares the read_committed output with the ticks as produced (computed from the input, not from our
 * output): one row per tick, with the tick's fields, at a distinct input position, every input position covered.
 */
export function exactlyOnce(produced: readonly Tick[], rows: readonly OutputRow[], inputEnds: ReadonlyMap<number, number>): { rows: number; missing: number; duplicated: number; wrongFields: number; positionsMissing: number } {
  const byVolume = new Map<number, OutputRow[]>();
  for (const row of rows) byVolume.set(row.volume, [...(byVolume.get(row.volume) ?? []), row]);
  const wrongFields = produced.filter((t) => {
    const row = byVolume.get(t.volume)?.[0];
    return row !== undefined && (row.table !== kafkaTicksOutTable.name || row.symbol !== t.symbol || row.price !== t.price || row.ts !== t.ts);
  }).length;
  const positions = new Set(rows.map((r) => `${r.partition}/${r.offset}`));
  const expectedPositions = [...inputEnds].flatMap(([p, end]) => Array.from({ length: end }, (_, o) => `${p}/${o}`));
  return {
    rows: rows.length,
    missing: produced.filter((t) => !byVolume.has(t.volume)).length,
    duplicated: [...byVolume.values()].filter((list) => list.length > 1).length,
    wrongFields,
    positionsMissing: expectedPositions.filter((p) => !positions.has(p)).length,
  };
}
