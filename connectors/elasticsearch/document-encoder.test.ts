import { describe, expect, it } from 'vitest';
import type { Cell, TableSpec } from '../../engine/index.js';
import { CellRejection, documentEncoder } from './document-encoder.js';

const spec: TableSpec = {
  name: 't',
  columns: [
    { name: 'label', type: 'text' },
    { name: 'n', type: 'integer' },
    { name: 'x', type: 'numeric' },
    { name: 'at', type: 'timestamptz' },
    { name: 'ok', type: 'boolean' },
    { name: 'day', type: 'date' },
  ],
  key: ['label'],
};

const rows: Record<string, Cell>[] = [
  { label: 'plain', n: 1, x: 1.5, at: 1_704_205_800_000, ok: true, day: '2024-01-02' },
  { label: 'quote " back \\ tab \t nl \n ü 🚀', n: -5, x: 1e21, at: 0, ok: false, day: '2024-02-29' },
  { label: '', n: null, x: null, at: null, ok: null, day: null },
  { label: null, n: 'text in a number', x: '3.5', at: '2024-01-02T00:00:00Z', ok: 'yes', day: '2024-12-31' },
];

describe('documentEncoder', () => {
  it('writes the same document whether a row takes the one-call path or the per-column one', () => {
    const encode = documentEncoder(spec);
    for (const row of rows) {
      const fast = JSON.parse(encode(row)) as unknown;
      // An undeclared field makes the encoder go column by column (and leave the field out).
      const slow = JSON.parse(encode({ ...row, undeclared: 1 })) as unknown;
      expect(slow).toEqual(fast);
      expect(fast).toEqual(row);
    }
  });

  it('writes null for a missing column and a text cell as text', () => {
    const encode = documentEncoder(spec);
    expect(JSON.parse(encode({ label: 7, n: 1 }))).toEqual({ label: '7', n: 1, x: null, at: null, ok: null, day: null });
  });

  it('refuses non-finite numbers and days that do not exist, naming the field', () => {
    const encode = documentEncoder(spec);
    const refusal = (row: Record<string, Cell>): CellRejection | undefined => {
      try {
        encode(row);
      } catch (error) {
        if (error instanceof CellRejection) return error;
        throw error;
      }
      return undefined;
    };
    expect(refusal({ ...rows[0]!, x: Number.NaN })?.field).toBe('x');
    expect(refusal({ ...rows[0]!, at: Number.NEGATIVE_INFINITY })?.field).toBe('at');
    expect(refusal({ ...rows[0]!, day: '2023-02-29' })?.field).toBe('day');
    // The remembered good day does not let a bad one through.
    expect(refusal({ ...rows[0]!, day: '2024-01-02' })).toBeUndefined();
    expect(refusal({ ...rows[0]!, day: '2024-01-32' })?.field).toBe('day');
  });

  it('adds @timestamp for a data stream, and refuses a row without one', () => {
    const encode = documentEncoder(spec, 'at');
    expect(JSON.parse(encode(rows[0]!))).toEqual({ ...rows[0], '@timestamp': rows[0]!['at'] });
    expect(() => encode({ ...rows[0]!, at: null })).toThrow(CellRejection);
  });
});
