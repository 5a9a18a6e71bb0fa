import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/index.js';
import { qualifiedName, quoteIdentifier } from './quote-identifier.js';

describe('quoteIdentifier', () => {
  it('always double-quotes and doubles embedded quotes', () => {
    expect(quoteIdentifier('plain')).toBe('"plain"');
    expect(quoteIdentifier('select')).toBe('"select"');
    expect(quoteIdentifier('MixedCase')).toBe('"MixedCase"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteIdentifier('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
    expect(quoteIdentifier('naïve 日本')).toBe('"naïve 日本"');
    expect(qualifiedName('my schema', 'the"table')).toBe('"my schema"."the""table"');
  });

  it('refuses names PostgreSQL would change: empty, NUL, longer than 63 bytes', () => {
    expect(() => quoteIdentifier('')).toThrow(ConfigError);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/NUL/);
    expect(quoteIdentifier('x'.repeat(63))).toHaveLength(65);
    expect(() => quoteIdentifier('x'.repeat(64), 'tables.t')).toThrow(/tables\.t: .*64 bytes/);
    // 22 three-byte characters are 66 bytes although only 22 characters long.
    expect(() => quoteIdentifier('日'.repeat(22))).toThrow(/66 bytes/);
  });
});
