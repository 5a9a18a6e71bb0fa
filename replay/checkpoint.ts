import { readFile, rename, writeFile } from 'node:fs/promises';
import { ConfigError, type SourcePosition } from '../engine/index.js';

/**
 * Positions a file replay has durably finished, kept in a small JSON file so a later run resumes
 * after them: `{ "positions": [{ "source", "partition", "offset" }] }`. Written to a temporary
 * file and renamed, so a crash leaves the old or the new checkpoint, never half of one.
 */
export async function readCheckpoint(path: string): Promise<SourcePosition[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('checkpointFile', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const positions = (parsed as { positions?: unknown }).positions;
  if (!Array.isArray(positions)) throw new ConfigError('checkpointFile', `${path} has no "positions" array`);
  return positions.map((p: unknown, i) => {
    const { source, partition, offset } = (p ?? {}) as Partial<SourcePosition>;
    if (typeof source !== 'string' || typeof partition !== 'string' || typeof offset !== 'number') {
      throw new ConfigError('checkpointFile', `${path}: positions[${i}] needs source, partition (strings) and offset (number)`);
    }
    return { source, partition, offset };
  });
}

/** Atomically replaces the checkpoint file with these positions. */
export async function writeCheckpoint(path: string, positions: readonly SourcePosition[]): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ positions }, null, 2)}\n`);
  await rename(temporary, path);
}
