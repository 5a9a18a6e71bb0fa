import { highestPerPartition, type SourcePosition } from '../../engine/index.js';
import { sparkStringLiteral } from './spark-literal.js';
import type { RunStatement } from './table-schema.js';

/** The Delta table holding, per pipeline and source partition, the last position whose effect is in the data. */
export const POSITIONS_TABLE = 'cloudpulse_positions';

/** Creates `cloudpulse_positions` when missing. `target` is its qualified, quoted name. */
export async function ensurePositionsTable(run: RunStatement, target: string): Promise<void> {
  await run(
    `CREATE TABLE IF NOT EXISTS ${target} (\`pipeline\` STRING NOT NULL, \`source\` STRING NOT NULL, \`partition\` STRING NOT NULL, \`offset\` BIGINT NOT NULL, \`updated_at\` TIMESTAMP) USING DELTA`,
  );
}

/**
 * The statement that merges positions into `cloudpulse_positions` (one row per partition, a partition
 * given twice keeps its highest offset), or undefined when there are none. Rewrites a row only when its
 * offset changes, so a replayed batch leaves the table as it was.
 */
export function mergePositionsStatement(target: string, pipeline: string, positions: readonly SourcePosition[]): string | undefined {
  if (positions.length === 0) return undefined;
  const highest = highestPerPartition(positions);
  const rows = highest.map((p) => `(${sparkStringLiteral(pipeline)}, ${sparkStringLiteral(p.source)}, ${sparkStringLiteral(p.partition)}, ${Math.trunc(p.offset)}L)`);
  return (
    `MERGE INTO ${target} AS t USING (SELECT * FROM VALUES ${rows.join(', ')} AS v(\`pipeline\`, \`source\`, \`partition\`, \`offset\`)) AS s ` +
    'ON t.`pipeline` = s.`pipeline` AND t.`source` = s.`source` AND t.`partition` = s.`partition` ' +
    'WHEN MATCHED AND t.`offset` <> s.`offset` THEN UPDATE SET `offset` = s.`offset`, `updated_at` = current_timestamp() ' +
    'WHEN NOT MATCHED THEN INSERT (`pipeline`, `source`, `partition`, `offset`, `updated_at`) VALUES (s.`pipeline`, s.`source`, s.`partition`, s.`offset`, current_timestamp())'
  );
}

/** The stored positions of one source of a pipeline; the offset travels as text, exact in every result format. */
export async function readPositions(run: RunStatement, target: string, pipeline: string, source: string): Promise<SourcePosition[]> {
  const rows = await run(
    `SELECT \`source\`, \`partition\`, CAST(\`offset\` AS STRING) AS \`offset\` FROM ${target} WHERE \`pipeline\` = ${sparkStringLiteral(pipeline)} AND \`source\` = ${sparkStringLiteral(source)} ORDER BY \`partition\``,
  );
  return rows.map((row) => ({ source: String(row['source']), partition: String(row['partition']), offset: Number(row['offset']) }));
}
