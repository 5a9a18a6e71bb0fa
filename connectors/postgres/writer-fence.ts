import type { ClientBase } from 'pg';
import { PermanentError } from '../../engine/index.js';
import { qualifiedName } from './quote-identifier.js';

/** The table holding each pipeline's current writer generation. */
export const WRITERS_TABLE = 'cloudpulse_writers';

/** Creates `cloudpulse_writers` when missing (inside the caller's transaction). */
export async function ensureWritersTable(client: ClientBase, schema: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, WRITERS_TABLE)} (
       pipeline text PRIMARY KEY, generation bigint NOT NULL, started_at timestamp with time zone NOT NULL DEFAULT now())`,
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
    throw new PermanentError(
      `postgres: pipeline ${JSON.stringify(pipeline)} has a newer writer (generation ${current}, this one ${generation}): this writer is fenced and stops without committing`,
      { code: 'postgres_fenced' },
    );
  }
}
