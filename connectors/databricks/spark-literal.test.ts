import { describe, expect, it } from 'vitest';
import { doubleLiteral, literalEncoder, SparkLiteralError, sparkStringLiteral } from './spark-literal.js';

describe('sparkStringLiteral', () => {
  it('escapes backslash and quote with a backslash, never by doubling the quote', () => {
    expect(sparkStringLiteral("it's")).toBe("'it\\'s'");
    expect(sparkStringLiteral('C:\\new')).toBe("'C:\\\\new'");
    expect(sparkStringLiteral("\\'")).toBe("'\\\\\\''");
    expect(sparkStringLiteral('')).toBe("''");
  });

  it('hides $ from variable substitution as \\u0024', () => {
    expect(sparkStringLiteral('${env:HOME}')).toBe("'\\u0024{env:HOME}'");
    expect(sparkStringLiteral('cost $5')).toBe("'cost \\u00245'");
  });

  it('keeps every other character as it is: newlines, tabs, NUL, quotes of other kinds, unicode', () => {
    const text = 'a\nb\r\nc\td\u0000e "double" `tick` -- /* x */ ; 日本語 🚀 naïve';
    expect(sparkStringLiteral(text)).toBe(`'${text}'`);
  });
});

describe('literalEncoder', () => {
  it('writes typed NULLs so a VALUES column of NULLs keeps its type', () => {
    expect(literalEncoder('a', 'text')(null)).toBe('CAST(NULL AS STRING)');
    expect(literalEncoder('a', 'integer')(undefined)).toBe('CAST(NULL AS BIGINT)');
    expect(literalEncoder('a', 'numeric')(null)).toBe('CAST(NULL AS DOUBLE)');
    expect(literalEncoder('a', 'boolean')(null)).toBe('CAST(NULL AS BOOLEAN)');
    expect(literalEncoder('a', 'timestamptz')(null)).toBe('CAST(NULL AS TIMESTAMP)');
    expect(literalEncoder('a', 'date')(null)).toBe('CAST(NULL AS DATE)');
  });

  it('writes integers as BIGINT literals, from safe numbers or 64-bit decimal text', () => {
    const encode = literalEncoder('n', 'integer');
    expect(encode(0)).toBe('0L');
    expect(encode(-42)).toBe('-42L');
    expect(encode(2 ** 53 - 1)).toBe('9007199254740991L');
    expect(encode('9223372036854775807')).toBe('9223372036854775807L');
    expect(() => encode('9223372036854775808')).toThrow(SparkLiteralError);
    expect(() => encode(1.5)).toThrow(/column n: 1.5 is not an integer/);
    expect(() => encode(2 ** 53)).toThrow(SparkLiteralError);
    expect(() => encode(true)).toThrow(SparkLiteralError);
  });

  it('writes numerics as DOUBLE literals with the shortest round-trip digits', () => {
    const encode = literalEncoder('x', 'numeric');
    expect(encode(1.25)).toBe('1.25D');
    expect(encode(-0.1)).toBe('-0.1D');
    expect(encode(1e21)).toBe('1E21D');
    expect(encode(5e-7)).toBe('5E-7D');
    expect(encode(5e-324)).toBe('5E-324D');
    expect(encode('12.50')).toBe('12.5D');
    expect(encode(Number.NaN)).toBe("CAST('NaN' AS DOUBLE)");
    expect(doubleLiteral(-Infinity)).toBe("CAST('-Infinity' AS DOUBLE)");
    expect(() => encode('not a number')).toThrow(/column x: "not a number" is not a number/);
    expect(() => encode('1e')).toThrow(SparkLiteralError);
  });

  it('writes instants as zoned UTC TIMESTAMP literals with microseconds', () => {
    const encode = literalEncoder('at', 'timestamptz');
    expect(encode(Date.UTC(2024, 0, 2, 14, 30, 0, 123))).toBe("TIMESTAMP '2024-01-02 14:30:00.123000Z'");
    expect(encode(0)).toBe("TIMESTAMP '1970-01-01 00:00:00.000000Z'");
    expect(encode(-1)).toBe("TIMESTAMP '1969-12-31 23:59:59.999000Z'");
    expect(encode(1.5)).toBe("TIMESTAMP '1970-01-01 00:00:00.001500Z'");
    expect(encode(Date.UTC(9999, 11, 31, 23, 59, 59, 999))).toBe("TIMESTAMP '9999-12-31 23:59:59.999000Z'");
    expect(() => encode(Date.UTC(10000, 0, 1))).toThrow(SparkLiteralError);
    expect(() => encode('2024-01-02')).toThrow(SparkLiteralError);
    expect(() => encode(Number.NaN)).toThrow(SparkLiteralError);
  });

  it('writes dates and booleans, and refuses what they cannot be', () => {
    const date = literalEncoder('day', 'date');
    expect(date('2024-02-29')).toBe("DATE '2024-02-29'");
    expect(() => date('2023-02-29')).toThrow(SparkLiteralError);
    expect(() => date('2024-1-2')).toThrow(SparkLiteralError);
    expect(() => date("2024-01-01' OR 1=1 --")).toThrow(SparkLiteralError);
    const flag = literalEncoder('flag', 'boolean');
    expect(flag(true)).toBe('TRUE');
    expect(flag(false)).toBe('FALSE');
    expect(() => flag('true')).toThrow(SparkLiteralError);
  });

  it('writes any text cell as a string literal, numbers and booleans as their text', () => {
    const text = literalEncoder('label', 'text');
    expect(text("it's")).toBe("'it\\'s'");
    expect(text(12.5)).toBe("'12.5'");
    expect(text(false)).toBe("'false'");
  });

  it('names the column in its error', () => {
    try {
      literalEncoder('amount', 'numeric')('abc');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SparkLiteralError);
      expect((error as SparkLiteralError).column).toBe('amount');
    }
  });
});
