import { describe, expect, it } from 'vitest';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { RecordError } from '../errors.js';
import type { Row } from '../input.js';
import { optionalDate, optionalNumber, optionalText, requiredNumber, requiredText } from './row-values.js';

const rec = new RecordFactory('orders.csv', '');
const row = (value: Row) => rec.record<Row>(value, 0);

function parseError(fn: () => unknown): RecordError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RecordError) return error;
    throw error;
  }
  throw new Error('expected a RecordError');
}

describe('optionalText', () => {
  it('trims, renders numbers and booleans as text, and gives undefined for missing, null and blank values', () => {
    expect(optionalText({ a: '  x y ' }, 'a')).toBe('x y');
    expect(optionalText({ a: 11 }, 'a')).toBe('11');
    expect(optionalText({ a: false }, 'a')).toBe('false');
    expect(optionalText({ a: null }, 'a')).toBeUndefined();
    expect(optionalText({ a: '   ' }, 'a')).toBeUndefined();
    expect(optionalText({}, 'a')).toBeUndefined();
  });
});

describe('requiredText', () => {
  it('returns trimmed text, and a parse_error naming position and field when missing', () => {
    expect(requiredText(row({ id: ' 7 ' }), 'id')).toBe('7');
    const missing = row({ id: ' ' });
    const error = parseError(() => requiredText(missing, 'id'));
    expect([error.reason, error.field, error.detail, error.position]).toEqual(['parse_error', 'id', 'required value is missing', missing.position]);
  });
});

describe('requiredNumber', () => {
  it('accepts finite numbers and numeric text (a topic whose values are strings)', () => {
    expect(requiredNumber(row({ n: 2.5 }), 'n')).toBe(2.5);
    expect(requiredNumber(row({ n: ' 1e3 ' }), 'n')).toBe(1000);
    expect(requiredNumber(row({ n: -0 }), 'n')).toBe(-0);
  });

  it('rejects missing, blank, non-numeric and infinite values as parse_error with the value', () => {
    expect(parseError(() => requiredNumber(row({ n: 'abc' }), 'n')).detail).toBe('expected a number, got "abc"');
    expect(parseError(() => requiredNumber(row({}), 'n')).detail).toBe('expected a number, got null');
    expect(parseError(() => requiredNumber(row({ n: '  ' }), 'n')).detail).toBe('expected a number, got "  "');
    expect(parseError(() => requiredNumber(row({ n: Number.POSITIVE_INFINITY }), 'n')).field).toBe('n');
    expect(parseError(() => requiredNumber(row({ n: true }), 'n')).detail).toBe('expected a number, got true');
  });
});

describe('optionalNumber', () => {
  it('gives null for missing, null and blank values, else reads like requiredNumber', () => {
    expect(optionalNumber(row({}), 'n')).toBeNull();
    expect(optionalNumber(row({ n: null }), 'n')).toBeNull();
    expect(optionalNumber(row({ n: ' ' }), 'n')).toBeNull();
    expect(optionalNumber(row({ n: '12' }), 'n')).toBe(12);
    expect(parseError(() => optionalNumber(row({ n: 'x' }), 'n')).detail).toBe('expected a number, got "x"');
  });
});

describe('optionalDate', () => {
  it('passes typed dates (epoch ms) through and reads YYYY-MM-DD text as 00:00 UTC', () => {
    const ms = Date.parse('2017-03-01T00:00:00Z');
    expect(optionalDate(row({ d: ms }), 'd')).toBe(ms);
    expect(optionalDate(row({ d: ' 2017-03-01 ' }), 'd')).toBe(ms);
  });

  it('gives null for missing, null and blank values', () => {
    expect(optionalDate(row({}), 'd')).toBeNull();
    expect(optionalDate(row({ d: null }), 'd')).toBeNull();
    expect(optionalDate(row({ d: '' }), 'd')).toBeNull();
  });

  it('rejects other text, impossible dates and non-finite numbers as parse_error', () => {
    expect(parseError(() => optionalDate(row({ d: '01/03/2017' }), 'd')).detail).toBe('expected a date, got "01/03/2017"');
    expect(parseError(() => optionalDate(row({ d: '2017-13-01' }), 'd')).field).toBe('d');
    expect(parseError(() => optionalDate(row({ d: Number.NaN }), 'd')).reason).toBe('parse_error');
  });
});
