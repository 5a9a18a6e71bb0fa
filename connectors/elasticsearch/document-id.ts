import { createHash } from 'node:crypto';
import type { Cell, TableSpec } from '../../engine/index.js';

/** Elasticsearch rejects an `_id` longer than 512 bytes. */
const MAX_ID_BYTES = 512;

/** Returned instead of an id when a key column is null: the row has no identity to upsert on. */
export interface MissingKey {
  readonly missingKey: string;
}

/**
 * The document `_id` of a row: its key columns' values (DESIGN.md invariant 5), joined by `|`, with `\`
 * and `|` inside a value escaped, so distinct keys never meet (`a|b` + `c` ≠ `a` + `b|c`). The same row
 * always gets the same id, across restarts and replays: writing it again overwrites, never duplicates.
 * Cells are written as the engine carries them (timestamptz as epoch ms). An id over 512 bytes becomes
 * `sha256:<hex of the joined key>` (still deterministic).
 */
export function documentIdFunction(spec: TableSpec): (row: Readonly<Record<string, Cell>>) => string | MissingKey {
  const key = spec.key;
  if (key.length === 1) {
    const only = key[0]!;
    return (row) => {
      const value = row[only];
      if (value === null || value === undefined) return { missingKey: only };
      return bounded(String(value));
    };
  }
  return (row) => {
    let id = '';
    for (let i = 0; i < key.length; i++) {
      const value = row[key[i]!];
      if (value === null || value === undefined) return { missingKey: key[i]! };
      const text = String(value);
      id += (i === 0 ? '' : '|') + (text.includes('|') || text.includes('\\') ? text.replaceAll('\\', '\\\\').replaceAll('|', '\\|') : text);
    }
    return bounded(id);
  };
}

function bounded(id: string): string {
  // Characters are at most 3 UTF-8 bytes each (4 for a surrogate pair, i.e. 2 per UTF-16 unit).
  if (id.length * 3 <= MAX_ID_BYTES || Buffer.byteLength(id) <= MAX_ID_BYTES) return id;
  return `sha256:${createHash('sha256').update(id).digest('hex')}`;
}
