import { describe, expect, it } from 'vitest';
import { escapeCopyText } from '../copy-text.js';
import { CopyTextCursor, splitCopyLine, unescapeCopyField } from './copy-text-line.js';

describe('COPY text lines → fields', () => {
  it('splits on tabs, reads \\N as NULL and resolves the escapes PostgreSQL writes', () => {
    expect(splitCopyLine('1\tplain\t\\N\t')).toEqual(['1', 'plain', null, '']);
    expect(splitCopyLine('a\\tb\\nc\\rd\\\\e\t\\\\N\t\\b\\f\\v')).toEqual(['a\tb\nc\rd\\e', '\\N', '\b\f\v']);
    expect(unescapeCopyField('trailing\\')).toBe('trailing\\');
  });

  it('reads back whatever the sink side escapes', () => {
    const values = ['', 'x', '\\', '\\\\N', 'tab\there', 'line\nbreak\r\n', "quote ' \" ;", '日本語 🚀', '\\x00ff', 'ends with \\'];
    for (const value of values) expect(splitCopyLine(`${escapeCopyText(value)}\t\\N`), value).toEqual([value, null]);
  });

  it('reads a page field by field as splitting its lines would, and skips the rest of a line', () => {
    const lines = ['1\tplain\t\\N', '2\t\\N\ta\\tb', '3\t\tback\\\\slash', '4\t日本\t\\\\N'];
    const cursor = new CopyTextCursor(lines.map((l) => `${l}\n`).join(''));
    const read: (string | null)[][] = [];
    while (!cursor.done) {
      cursor.startLine();
      const first = cursor.field(false);
      if (first === '2') {
        expect(cursor.line()).toBe(lines[1]);
        cursor.skipLine();
        continue;
      }
      read.push([first, cursor.field(false), cursor.field(true)]);
      cursor.skipLine(); // at the end of a line already: stays
    }
    expect(read).toEqual([lines[0]!, lines[2]!, lines[3]!].map((l) => splitCopyLine(l)));
  });

  it('reads random rows of escaped values and NULLs back exactly', () => {
    const alphabet = ['a', 'b', ' ', '\\', '\t', '\n', '\r', 'N', '日', '🚀', '\b'];
    let state = 3;
    const next = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % n;
    };
    const rows: (string | null)[][] = [];
    for (let r = 0; r < 2_000; r++) {
      rows.push(Array.from({ length: 4 }, () => (next(6) === 0 ? null : Array.from({ length: next(6) }, () => alphabet[next(alphabet.length)]!).join(''))));
    }
    const page = rows.map((row) => `${row.map((v) => (v === null ? '\\N' : escapeCopyText(v))).join('\t')}\n`).join('');
    const cursor = new CopyTextCursor(page);
    const read: (string | null)[][] = [];
    while (!cursor.done) read.push([cursor.field(false), cursor.field(false), cursor.field(false), cursor.field(true)]);
    expect(read).toEqual(rows);
  });

  it('moves over a field without escapes in place, and leaves an escaped one or \\N to field()', () => {
    const page = '12\t3.5\ta\\tb\n\\N\t-7\tlast\n';
    const cursor = new CopyTextCursor(page);
    cursor.startLine();
    expect(cursor.plainField(false)).toBe(true);
    expect(page.slice(cursor.fieldStart, cursor.fieldEnd)).toBe('12');
    expect(cursor.plainField(false)).toBe(true);
    expect(page.slice(cursor.fieldStart, cursor.fieldEnd)).toBe('3.5');
    expect(cursor.plainField(true)).toBe(false);
    expect(cursor.field(true)).toBe('a\tb');
    expect(page.slice(cursor.lineBegin, cursor.offset)).toBe('12\t3.5\ta\\tb\n');
    cursor.startLine();
    expect(cursor.plainField(false)).toBe(false);
    expect(cursor.field(false)).toBeNull();
    expect(cursor.plainField(false)).toBe(true);
    expect(page.slice(cursor.fieldStart, cursor.fieldEnd)).toBe('-7');
    expect(cursor.plainField(true)).toBe(true);
    expect(page.slice(cursor.fieldStart, cursor.fieldEnd)).toBe('last');
    expect(cursor.done).toBe(true);
  });
});
