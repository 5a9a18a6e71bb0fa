import { describe, expect, it } from 'vitest';
import type { TableSpec } from '../../engine/index.js';
import { documentIdFunction } from './document-id.js';

const spec = (key: string[]): TableSpec => ({ name: 't', columns: [{ name: 'a', type: 'text' }, { name: 'b', type: 'text' }, { name: 'at', type: 'timestamptz' }], key });

describe('documentIdFunction', () => {
  it('joins the key columns with |, the same for the same row every time', () => {
    const id = documentIdFunction(spec(['a', 'at']));
    expect(id({ a: 'NVDA', b: 'x', at: 1_704_205_800_000 })).toBe('NVDA|1704205800000');
    expect(id({ a: 'NVDA', b: 'changed', at: 1_704_205_800_000 })).toBe('NVDA|1704205800000');
  });

  it('keeps distinct keys distinct when a value holds the separator or the escape', () => {
    const id = documentIdFunction(spec(['a', 'b']));
    const ids = [id({ a: 'x|y', b: 'z' }), id({ a: 'x', b: 'y|z' }), id({ a: 'x\\', b: 'y' }), id({ a: 'x', b: '\\y' }), id({ a: 'x\\|', b: 'y' })];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses a single key value as it is', () => {
    expect(documentIdFunction(spec(['a']))({ a: 'a|b', b: null, at: null })).toBe('a|b');
  });

  it('reports a null key column instead of inventing an id', () => {
    expect(documentIdFunction(spec(['a', 'b']))({ a: 'x', b: null })).toEqual({ missingKey: 'b' });
    expect(documentIdFunction(spec(['a']))({})).toEqual({ missingKey: 'a' });
  });

  it('hashes a key over 512 bytes, deterministically', () => {
    const id = documentIdFunction(spec(['a', 'b']));
    const long = id({ a: 'é'.repeat(300), b: 'x' });
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(id({ a: 'é'.repeat(300), b: 'x' })).toBe(long);
    expect(id({ a: 'é'.repeat(300), b: 'y' })).not.toBe(long);
    expect(id({ a: 'é'.repeat(100), b: 'x' })).toBe(`${'é'.repeat(100)}|x`);
  });
});
