import type { ClientBase } from 'pg';
import { highestPerPartition, type SourcePosition } from '../../engine/index.js';
import { qualifiedName } from './quote-identifier.js';

/** The table holding, per pipeline and source partition, the last position whose effect is in the data. */
export const POSITIONS_TABLE = 'cloudpulse_positions';

/** Creates `cloudpulse_positions` when missing (inside the caller's transaction). */
export async function ensurePositionsTable(client: ClientBase, schema: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, POSITIONS_TABLE)} (
       pipeline text NOT NULL, source text NOT NULL, partition text NOT NULL, "offset" bigint NOT NULL,
       updated_at timestamp with time zone NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, source, partition))`,
  );
}

/**
 * Stores positions in the caller's transaction (so they commit with the data or not at all). One
 * row per partition; a partition given twice keeps its highest offset.
 */
export async function storePositions(client: ClientBase, schema: string, pipeline: string, positions: readonly SourcePosition[]): Promise<void> {
  if (positions.length === 0) return;
  const list = highestPerPartition(positions);
  await client.query(
    `INSERT INTO ${qualifiedName(schema, POSITIONS_TABLE)} AS p (pipeline, source, partition, "offset", updated_at)
     SELECT $1, u.source, u.partition, u.off, now() FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(source, partition, off)
     ON CONFLICT (pipeline, source, partition) DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = EXCLUDED.updated_at`,
    [pipeline, list.map((p) => p.source), list.map((p) => p.partition), list.map((p) => p.offset)],
  );
}

/** The stored positions of one source of a pipeline. */
export async function readPositions(client: ClientBase, schema: string, pipeline: string, source: string): Promise<SourcePosition[]> {
  const result = await client.query<{ source: string; partition: string; offset: string }>(
    `SELECT source, partition, "offset"::text AS "offset" FROM ${qualifiedName(schema, POSITIONS_TABLE)} WHERE pipeline = $1 AND source = $2 ORDER BY partition`,
    [pipeline, source],
  );
  return result.rows.map((row) => ({ source: row.source, partition: row.partition, offset: Number(row.offset) }));
}
