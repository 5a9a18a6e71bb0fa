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

  it('reads every timestamp text shape PostgreSQL writes in a UTC session to the millisecond of Date.UTC', () => {
    let state = 99;
    const next = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % n;
    };
    const two = (n: number): string => String(n).padStart(2, '0');
    for (let i = 0; i < 5_000; i++) {
      const [year, month, day, hour, minute, second] = [100 + next(9900), 1 + next(12), 1 + next(28), next(24), next(60), next(60)];
      const digits = next(7);
      const micros = next(1_000_000);
      const fraction = digits === 0 ? '' : `.${String(micros).padStart(6, '0').slice(0, digits)}`;
      const offsetMinutes = next(3) === 0 ? 0 : (next(2) === 0 ? 1 : -1) * (next(15) * 60 + [0, 30, 45][next(3)]!);
      const offset = `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offsetMinutes) / 60))}${Math.abs(offsetMinutes) % 60 === 0 ? '' : `:${two(Math.abs(offsetMinutes) % 60)}`}`;
      const withOffset = next(4) !== 0;
      const text = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)} ${two(hour)}:${two(minute)}:${two(second)}${fraction}${withOffset ? offset : ''}`;
      const millis = digits === 0 ? 0 : Math.floor(Number(`0${fraction}`) * 1000 + 1e-6);
      const date = new Date(0);
      date.setUTCFullYear(year, month - 1, day);
      date.setUTCHours(hour, minute, second, millis);
      const expected = date.getTime() - (withOffset ? offsetMinutes * 60_000 : 0);
      expect(parseTimestamp(text), text).toBe(expected);
    }
    expect(parseTimestamp('0099-01-01 00:00:00+00')).toBe(new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(99));
    expect(parseTimestamp('12345-01-01 00:00:00+00')).toBe(new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(12345));
    expect(parseTimestamp('2024-01-02 14:30:00+05:30:15')).toBe(Date.UTC(2024, 0, 2, 9, 0, -15));
    expect(parseTimestamp('2024-01-02 14:30:00.')).toBeUndefined();
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

  it('reads a field in place (convertAt) exactly as it reads the field sliced out', () => {
    let state = 11;
    const next = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % n;
    };
    const numeric = columnMapping(type(1700, 'numeric'));
    const bigint = columnMapping(type(20, 'bigint'));
    const timestamptz = columnMapping(type(1184, 'timestamptz'));
    const boolean = columnMapping(type(16, 'boolean'));
    const inPlace = (mapping: ReturnType<typeof columnMapping>, text: string): unknown => mapping.convertAt!(`7\t${text}\tx`, 2, 2 + text.length);
    for (let i = 0; i < 20_000; i++) {
      const digits = Array.from({ length: 1 + next(18) }, () => String(next(10))).join('').replace(/^0+(?=\d)/, '');
      const scale = next(Math.min(digits.length, 8));
      const padded = digits.padStart(scale + 1, '0');
      const decimal = `${next(3) === 0 ? '-' : ''}${scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`}`;
      // Number() is the reference for up to 15 digits; longer ones stay text.
      expect(inPlace(numeric, decimal), decimal).toBe(decimal.replace(/[-.]/g, '').length <= 15 ? Number(decimal) : numeric.convert(decimal));
      expect(inPlace(bigint, digits), digits).toBe(bigint.convert(digits));
      const at = new Date(next(2 ** 31) * 1000 * (next(2) === 0 ? 1 : -0.5)).toISOString();
      const text = `${at.slice(0, 10)} ${at.slice(11, 19)}${['', '.5', '.25', '.123', '.123456'][next(5)]!}${['+00', '-07', '+05:30'][next(3)]!}`;
      expect(inPlace(timestamptz, text), text).toBe(parseTimestamp(text));
    }
    for (const text of ['NaN', 'Infinity', '-0', '0.0000', '12345678901234567890', '9007199254740993', '99999999.9999']) expect(inPlace(numeric, text), text).toEqual(numeric.convert(text));
    expect(() => inPlace(timestamptz, 'infinity')).toThrow(CellConversionError);
    expect(inPlace(boolean, 't')).toBe(true);
    expect(inPlace(boolean, 'f')).toBe(false);
  });

  it('says which types a Postgres target may take as the source wrote them', () => {
    const keeps = (oid: number, name: string, category = 'X'): boolean => columnMapping(type(oid, name, category, category === 'A' ? 23 : 0)).copyTextKeepsValue;
    expect([keeps(16, 'boolean'), keeps(20, 'bigint'), keeps(1700, 'numeric'), keeps(1082, 'date'), keeps(1184, 'timestamptz'), keeps(25, 'text'), keeps(3802, 'jsonb')]).toEqual([true, true, true, true, true, true, true]);
    // Arrays become JSON, a timestamp without time zone is read as UTC, floats are left to the cell.
    expect([keeps(1007, 'integer[]', 'A'), keeps(1114, 'timestamp'), keeps(701, 'double precision')]).toEqual([false, false, false]);
  });
});
