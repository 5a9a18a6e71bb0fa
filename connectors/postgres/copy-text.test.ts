import { describe, expect, it } from 'vitest';
import { attachSourceCopyLine, copyEncoder, escapeCopyText, formatNumber, sourceCopyLines } from './copy-text.js';

describe('COPY text encoding', () => {
  it('escapes exactly the characters COPY text format gives meaning to', () => {
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeCopyText(`'quotes' "double" ; DROP TABLE x; -- 日本 ✓`)).toBe(`'quotes' "double" ; DROP TABLE x; -- 日本 ✓`);
    expect(escapeCopyText('\\N')).toBe('\\\\N');
  });

  it('writes null as \\N, booleans as t/f, timestamps as ISO-8601 UTC', () => {
    expect(copyEncoder('text')(null)).toBe('\\N');
    expect(copyEncoder('text')(undefined)).toBe('\\N');
    expect(copyEncoder('text')('')).toBe('');
    expect(copyEncoder('boolean')(true)).toBe('t');
    expect(copyEncoder('boolean')(false)).toBe('f');
    const timestamp = copyEncoder('timestamptz');
    expect(timestamp(Date.UTC(2024, 0, 2, 14, 30, 0, 123))).toBe('2024-01-02T14:30:00.123Z');
    expect(timestamp(Date.UTC(2024, 0, 2, 14, 30, 0, 123))).toBe('2024-01-02T14:30:00.123Z');
    expect(timestamp(0)).toBe('1970-01-01T00:00:00.000Z');
    // Not representable: goes as text, so the server rejects that one row.
    expect(timestamp(Number.NaN)).toBe('NaN');
  });

  it('formats timestamps exactly as toISOString() does, across days, years and the edges of four-digit years', () => {
    const timestamp = copyEncoder('timestamptz');
    const samples = [-62_167_219_200_000, -62_167_219_199_999, -1, 1, 86_399_999, 86_400_000, 951_782_399_999, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001, 8.64e15, 1.5];
    let state = 7;
    for (let i = 0; i < 20_000; i++) {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      samples.push(Math.round((state / 2 ** 31 - 0.3) * 1e14) + (i % 1000));
    }
    for (const value of samples) expect(timestamp(value), String(value)).toBe(new Date(value).toISOString());
  });

  it('formats numbers exactly as String() does', () => {
    const samples = [0, -0, 1, -1, 0.1, 0.2, 0.3, 1.1, 481.23, -481.23, 0.05, -0.05, 1e-7, 123456789.5, 999999999.999999, 1e21, 2 ** 53, 0.1 + 0.2,
      Number.NaN, Number.POSITIVE_INFINITY, 1234.5678, 0.000001, 33.333333, 5e-324, -1e9 + 0.25];
    for (const value of samples) expect(formatNumber(value), String(value)).toBe(String(value));
    // Pseudo-random prices, averages and ratios with 0–8 decimals, and raw doubles.
    let state = 12345;
    const next = (): number => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    for (let i = 0; i < 20_000; i++) {
      const decimals = i % 9;
      const value = Math.round((next() - 0.3) * 10 ** (i % 12) * 10 ** decimals) / 10 ** decimals;
      expect(formatNumber(value)).toBe(String(value));
      const raw = (next() - 0.5) * 10 ** ((i % 20) - 6);
      expect(formatNumber(raw)).toBe(String(raw));
    }
  });

  it('hands a sink the COPY line a row was read from only for that very row and the same columns', () => {
    const page = { text: '1\ta\\tb\n2\tc\n' };
    const columns = ['id', 'name'];
    const row = { id: 2, name: 'c' };
    attachSourceCopyLine(row, page, 7, 11, columns);
    const line = sourceCopyLines(['id', 'name'])(row);
    expect(line === undefined ? undefined : page.text.slice(line.start, line.end)).toBe('2\tc\n');
    // A row built from it may hold other values: its copy of the line is not used.
    expect(sourceCopyLines(['id', 'name'])({ ...row, name: 'changed' })).toBeUndefined();
    expect(Object.keys(row)).toEqual(['id', 'name']);
    expect(JSON.stringify(row)).toBe('{"id":2,"name":"c"}');
    // Other columns (or the same in another order) than the line holds: the cells are encoded instead.
    expect(sourceCopyLines(['name', 'id'])(row)).toBeUndefined();
    expect(sourceCopyLines(['id', 'name', 'added'])(row)).toBeUndefined();
    expect(sourceCopyLines(['id', 'name'])({ id: 3, name: 'd' })).toBeUndefined();
  });
});
