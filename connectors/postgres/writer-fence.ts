import type { ClientBase } from 'pg';
import { FencedError } from '../../engine/index.js';
import { qualifiedName } from './quote-identifier.js';

/** The table holding each pipeline's current writer generation. */
export const WRITERS_TABLE = 'cloudpulse_writers';

/** Creates `cloudpulse_writers` and `cloudpulse_partition_writers` when missing (inside the caller's transaction). */
export async function ensureWritersTable(client: ClientBase, schema: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, WRITERS_TABLE)} (
       pipeline text PRIMARY KEY, generation bigint NOT NULL, started_at timestamp with time zone NOT NULL DEFAULT now())`,
  );
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, PARTITION_WRITERS_TABLE)} (
       pipeline text NOT NULL, source text NOT NULL, partition text NOT NULL, generation bigint NOT NULL,
       claimed_at timestamp with time zone NOT NULL DEFAULT now(), PRIMARY KEY (pipeline, source, partition))`,
  );
}

/**
 * Makes this writer the pipeline's current one: bumps and returns its generation. Any older writer
 * of the same pipeline fails its next `checkGeneration` (the newest start wins, as in a consumer group).
 */
export async function claimGeneration(client: ClientBase, schema: string, pipeline: string): Promise<number> {
  const table = qualifiedName(schema, WRITERS_TABLE);
  const result = await client.query<{ generation: string }>(
    `INSERT INTO ${table} AS w (pipeline, generation) VALUES ($1, 1)
     ON CONFLICT (pipeline) DO UPDATE SET generation = w.generation + 1, started_at = now() RETURNING generation::text AS generation`,
    [pipeline],
  );
  return Number(result.rows[0]!.generation);
}

/**
 * First statement of every write transaction. The row lock (FOR SHARE) makes a newer writer's claim
 * wait for this transaction, and this check see a claim committed before it: two writers of one
 * pipeline can never both commit after the newer one started.
 */
export async function checkGeneration(client: ClientBase, schema: string, pipeline: string, generation: number): Promise<void> {
  const result = await client.query<{ generation: string }>(
    `SELECT generation::text AS generation FROM ${qualifiedName(schema, WRITERS_TABLE)} WHERE pipeline = $1 FOR SHARE`,
    [pipeline],
  );
  const current = Number(result.rows[0]?.generation ?? 0);
  if (current !== generation) {
    throw new FencedError(
      `postgres: pipeline ${JSON.stringify(pipeline)} has a newer writer (generation ${current}, this one ${generation}): this writer is fenced and stops without committing`,
      { code: 'postgres_fenced' },
    );
  }
}

/** The table holding each (pipeline, source partition)'s current writer generation. */
export const PARTITION_WRITERS_TABLE = 'cloudpulse_partition_writers';

/** A source partition this writer claimed, with the generation its claim got. */
export interface PartitionClaim {
  readonly source: string;
  readonly partition: string;
  readonly generation: number;
}

/**
 * Makes this writer the current one of each of `partitions` of `source` (a consumer group assigned them to
 * it): bumps and returns their generations, in one transaction of the caller's. An earlier owner of any of
 * them fails its next `checkPartitionGenerations` that covers it; its other partitions are unaffected, so
 * several processes sharing a pipeline's partitions each write their own (Kafka Streams' per-task epochs).
 */
export async function claimPartitions(client: ClientBase, schema: string, pipeline: string, source: string, partitions: readonly string[]): Promise<PartitionClaim[]> {
  if (partitions.length === 0) return [];
  // Sorted: two claims of overlapping partitions lock their rows in the same order (no deadlock).
  const sorted = [...new Set(partitions)].sort();
  const result = await client.query<{ partition: string; generation: string }>(
    `INSERT INTO ${qualifiedName(schema, PARTITION_WRITERS_TABLE)} AS w (pipeline, source, partition, generation)
     SELECT $1, $2, p, 1 FROM unnest($3::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n
     ON CONFLICT (pipeline, source, partition) DO UPDATE SET generation = w.generation + 1, claimed_at = now()
     RETURNING partition, generation::text AS generation`,
    [pipeline, source, sorted],
  );
  return result.rows.map((row) => ({ source, partition: row.partition, generation: Number(row.generation) }));
}

/**
 * Part of every write transaction of a writer that claimed partitions, before its first change: each of
 * `claims` (the partitions the transaction writes data or positions of) must still hold the generation
 * this writer's claim got. FOR SHARE makes a newer claim of one of them wait for this transaction, and
 * this check see a claim committed before it: a partition's data and position have one writer at a time.
 */
export async function checkPartitionGenerations(client: ClientBase, schema: string, pipeline: string, claims: readonly PartitionClaim[]): Promise<void> {
  if (claims.length === 0) return;
  const result = await client.query<{ source: string; partition: string; generation: string }>(
    `SELECT w.source, w.partition, w.generation::text AS generation FROM ${qualifiedName(schema, PARTITION_WRITERS_TABLE)} AS w
       JOIN unnest($2::text[], $3::text[]) AS u(source, partition) ON w.source = u.source AND w.partition = u.partition
      WHERE w.pipeline = $1 ORDER BY w.source, w.partition FOR SHARE OF w`,
    [pipeline, claims.map((c) => c.source), claims.map((c) => c.partition)],
  );
  const current = new Map(result.rows.map((row) => [`${row.source}\u0000${row.partition}`, Number(row.generation)]));
  const lost = claims.filter((c) => current.get(`${c.source}\u0000${c.partition}`) !== c.generation);
  if (lost.length > 0) {
    const named = lost.map((c) => `${c.source}/${c.partition} (generation ${current.get(`${c.source}\u0000${c.partition}`) ?? 'none'}, this one ${c.generation})`).join(', ');
    throw new FencedError(
      `postgres: pipeline ${JSON.stringify(pipeline)}: another writer claimed ${named} since this one did: this writer is fenced and commits nothing of them`,
      { code: 'postgres_fenced' },
    );
  }
}
