import { describe, expect, it } from 'vitest';
import { CellConversionError, columnMapping, type SourceTypeInfo } from './column-mapping.js';
import { formatLsn, parseLsn } from './lsn.js';
import { parseArrayLiteral } from './parse-array-literal.js';
import { parseTimestamp } from './parse-timestamp.js';

const type = (oid: number, name: string, category = 'X', elementOid = 0): SourceTypeInfo => ({ oid, name, category, elementOid });

describe('PostgreSQL text → cells', () => {
  it('reads LSNs as byte numbers and back', () => {
    expect(parseLsn('0/0')).toBe(0);
    expect(parseLsn('16/B374D848')).toBe(0x16 * 2 ** 32 + 0xb374d848);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(() => parseLsn('16-B3')).toThrow(/not a PostgreSQL LSN/);
  });

  it('reads timestamps with any offset, to the millisecond, and refuses infinity', () => {
    expect(parseTimestamp('2024-01-02 14:30:00.123456+00')).toBe(Date.UTC(2024, 0, 2, 14, 30, 0, 123));
    expect(parseTimestamp('2024-01-02 20:00:00+05:30')).toBe(Date.UTC(2024, 0, 2, 14, 30));
    expect(parseTimestamp('1969-12-31 23:59:59.9-01')).toBe(Date.UTC(1970, 0, 1, 0, 59, 59, 900));
    expect(parseTimestamp('0044-03-15 12:00:00+00 BC')).toBe(new Date(Date.UTC(2000, 2, 15, 12)).setUTCFullYear(-43));
    expect(parseTimestamp('infinity')).toBeUndefined();
    expect(() => columnMapping(type(1184, 'timestamp with time zone')).convert('-infinity')).toThrow(CellConversionError);
  });

  it('parses array literals with quotes, escapes, NULL and nesting', () => {
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{1,2,NULL}')).toEqual(['1', '2', null]);
    expect(parseArrayLiteral('{"a,b","c\\"d","NULL",\\N}')).toEqual(['a,b', 'c"d', 'NULL', '\\N']);
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
    expect(() => parseArrayLiteral('{1,2')).toThrow(/malformed array literal/);
  });

  it('maps each type to its engine type and cell', () => {
    expect(columnMapping(type(1700, 'numeric(10,2)')).convert('14.50')).toBe(14.5);
    expect(columnMapping(type(1700, 'numeric')).convert('12345678901234567.89')).toBe('12345678901234567.89');
    expect(columnMapping(type(20, 'bigint')).convert('9007199254740993')).toBe('9007199254740993');
    expect(columnMapping(type(20, 'bigint')).type).toBe('integer');
    expect(columnMapping(type(16, 'boolean')).convert('f')).toBe(false);
    expect(columnMapping(type(1082, 'date')).convert('1996-07-04')).toBe('1996-07-04');
    expect(() => columnMapping(type(1082, 'date')).convert('infinity')).toThrow(CellConversionError);
    expect(columnMapping(type(1114, 'timestamp without time zone')).convert('2024-01-02 14:30:00')).toBe(Date.UTC(2024, 0, 2, 14, 30));
    expect(columnMapping(type(3802, 'jsonb'))).toMatchObject({ type: 'text' });
    const intArray = columnMapping(type(1007, 'integer[]', 'A', 23), type(23, 'integer'));
    expect(intArray.convert('{{1,NULL},{3,4}}')).toBe('[[1,null],[3,4]]');
    const jsonArray = columnMapping(type(3807, 'jsonb[]', 'A', 3802), type(3802, 'jsonb'));
    expect(jsonArray.convert('{"{\\"a\\": 1}"}')).toBe('[{"a":1}]');
    expect(columnMapping(type(2950, 'uuid')).convert('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });
});
