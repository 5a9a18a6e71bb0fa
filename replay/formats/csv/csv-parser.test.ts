import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatPosition, type DeadLetter, type ReadOptions, type Row, type StreamRecord } from '../../../engine/index.js';
import { CsvParser } from './csv-parser.js';

interface Parsed {
  readonly records: StreamRecord<Row>[];
  readonly letters: DeadLetter[];
}

/**
 * Feeds bytes to a parser the way the chunked reader does: `chunk` new bytes at a time into a
 * buffer whose unused tail holds junk (digits, commas, LFs), so a parser reading past `end` is caught.
 */
function parseBytes(input: Buffer, read: ReadOptions, options: { fastPath: boolean; chunk: number; name?: string; resumeAfter?: number; max?: number }): Parsed {
  const letters: DeadLetter[] = [];
  const parser = new CsvParser({
    name: options.name ?? 'test.csv', read, deadLetter: (l) => letters.push(l), fastPath: options.fastPath,
    ...(options.resumeAfter === undefined ? {} : { resumeAfter: options.resumeAfter }),
  });
  const junk = Buffer.from('9,9\n77.5,1999-01-01T00:00:00Z\n"x,');
  const buf = Buffer.alloc(input.length + 64);
  for (let i = 0; i < buf.length; i++) buf[i] = junk[i % junk.length]!;
  const records: StreamRecord<Row>[] = [];
  let pos = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf && (read.encoding ?? 'utf-8') === 'utf-8' ? 3 : 0;
  let filled = 0;
  for (;;) {
    filled = Math.min(input.length, filled + options.chunk);
    input.copy(buf, 0, 0, filled);
    // Junk after the filled part, as a reused buffer would hold.
    for (let i = filled; i < buf.length; i++) buf[i] = junk[i % junk.length]!;
    const eof = filled === input.length;
    for (;;) {
      const out: StreamRecord<Row>[] = [];
      pos = parser.parse(buf, pos, filled, eof, out, options.max ?? 1000);
      records.push(...out);
      if (out.length < (options.max ?? 1000)) break;
    }
    if (eof) break;
  }
  return { records, letters };
}

/** Parses with every combination of fast path and chunking; all must agree, and the result is returned. */
function parse(input: string | Buffer, read: ReadOptions = {}, extra: { name?: string; resumeAfter?: number } = {}): Parsed {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const reference = parseBytes(bytes, read, { fastPath: false, chunk: bytes.length, ...extra });
  for (const fastPath of [true, false]) {
    for (const chunk of [1, 2, 3, 7, 16, bytes.length]) {
      const other = parseBytes(bytes, read, { fastPath, chunk, max: 2, ...extra });
      expect(other, `fastPath=${fastPath} chunk=${chunk}`).toEqual(reference);
    }
  }
  return reference;
}

const rows = (p: Parsed): Row[] => p.records.map((r) => r.value);
const lines = (p: Parsed): number[] => p.records.map((r) => r.position.offset);
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);

describe('CsvParser: layout quirks', () => {
  it('drops a UTF-8 BOM so the first header name is clean', () => {
    const p = parse('\ufeffCountry Name,Year\r\nAfghanistan,2018\r\n');
    expect(Object.keys(rows(p)[0]!)).toEqual(['Country Name', 'Year']);
    expect(rows(p)).toEqual([{ 'Country Name': 'Afghanistan', Year: '2018' }]);
  });

  it('reads LF, CRLF, lone CR and mixed line endings, counting physical lines', () => {
    const p = parse('a,b\nx1,1\r\nx2,2\rx3,3\n\nx4,4\r\n');
    expect(rows(p).map((r) => r.a)).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(lines(p)).toEqual([2, 3, 4, 6]);
  });

  it('keeps line breaks inside quoted fields and positions records at their first line', () => {
    const p = parse('code,description,qty\r\nS1,"line one\nline two\nline three",5\r\nS2,"crlf\r\ninside",6\r\nS3,plain,7\r\n');
    expect(rows(p)).toEqual([
      { code: 'S1', description: 'line one\nline two\nline three', qty: '5' },
      { code: 'S2', description: 'crlf\r\ninside', qty: '6' },
      { code: 'S3', description: 'plain', qty: '7' },
    ]);
    expect(lines(p)).toEqual([2, 5, 7]);
  });

  it('undoes doubled quotes and keeps commas inside quotes', () => {
    const p = parse('name,note\n"Australian Collectors, Co.","5"" disk, ""big"""\n');
    expect(rows(p)).toEqual([{ name: 'Australian Collectors, Co.', note: '5" disk, "big"' }]);
  });

  it('reads quoted header names that contain commas', () => {
    const p = parse('Country,"Birth rate, crude (per 1,000 people)",GDP (USD)\nChad,42.1,1.81E+11\n', { fields: [{ name: 'GDP (USD)', type: 'number' }] });
    expect(rows(p)).toEqual([{ Country: 'Chad', 'Birth rate, crude (per 1,000 people)': '42.1', 'GDP (USD)': 181_000_000_000 }]);
  });

  it('names an empty leading header `_index` (or as configured) and other empty ones `_col<N>`', () => {
    expect(Object.keys(rows(parse(',work_year,,x\n0,2020,a,b\n'))[0]!)).toEqual(['_index', 'work_year', '_col3', 'x']);
    expect(Object.keys(rows(parse(',work_year\n0,2020\n', { emptyHeaderName: 'row' }))[0]!)).toEqual(['row', 'work_year']);
    expect(Object.keys(rows(parse('a,a,b\n1,2,3\n'))[0]!)).toEqual(['a', 'a_2', 'b']);
  });

  it('reads a 3-line yfinance header through headerLine and skipLines', () => {
    const text = 'Price,Close,High,Low,Open,Volume\r\nTicker,NVDA,NVDA,NVDA,NVDA,NVDA\r\nDatetime,,,,,\r\n'
      + '2025-06-11 13:30:00+00:00,144.02499389648438,144.99,144.0099,144.61,15871971\r\n'
      + '2025-06-11 13:35:00+00:00,144.5,145,144.25,144.02,4529001\r\n';
    const p = parse(text, { headerLine: 1, skipLines: [2, 3], fields: [{ name: 'Price', type: 'timestamp' }, { name: 'Close', type: 'number' }, { name: 'Volume', type: 'integer' }], eventTime: 'Price' });
    expect(rows(p)).toEqual([
      { Price: utc(2025, 6, 11, 13, 30), Close: 144.02499389648438, High: '144.99', Low: '144.0099', Open: '144.61', Volume: 15_871_971 },
      { Price: utc(2025, 6, 11, 13, 35), Close: 144.5, High: '145', Low: '144.25', Open: '144.02', Volume: 4_529_001 },
    ]);
    expect(lines(p)).toEqual([4, 5]);
    expect(p.records.map((r) => r.eventTime)).toEqual([utc(2025, 6, 11, 13, 30), utc(2025, 6, 11, 13, 35)]);
  });

  it('skips preamble lines before the header line', () => {
    const p = parse('exported by tool\nversion 2\nid,v\n1,a\n', { headerLine: 3 });
    expect(rows(p)).toEqual([{ id: '1', v: 'a' }]);
    expect(lines(p)).toEqual([4]);
  });

  it('decodes Windows-1252 text', () => {
    const bytes = iconv.encode('Table,Description\r\nHDI,Planetary pressures\u2013adjusted \u20ac caf\u00e9\r\n', 'win1252');
    expect(bytes.includes(0x96)).toBe(true);
    const p = parse(bytes, { encoding: 'windows-1252' });
    expect(rows(p)).toEqual([{ Table: 'HDI', Description: 'Planetary pressures\u2013adjusted \u20ac caf\u00e9' }]);
  });

  it('reads UTF-8 text (Luleå, Århus) and Latin-1 when declared', () => {
    expect(rows(parse('city\nLuleå\nÅrhus\n'))).toEqual([{ city: 'Luleå' }, { city: 'Århus' }]);
    expect(rows(parse(Buffer.from('city\nM\u00fcnster\n', 'latin1'), { encoding: 'latin1' }))).toEqual([{ city: 'Münster' }]);
  });

  it('reads the last row without a final newline, typed or not', () => {
    const p = parse('Date,Close\n2024-07-03,128.279999\n2024-07-05,127.136002', { fields: [{ name: 'Date', type: 'date' }, { name: 'Close', type: 'number' }], eventTime: 'Date' });
    expect(rows(p)).toEqual([{ Date: '2024-07-03', Close: 128.279999 }, { Date: '2024-07-05', Close: 127.136002 }]);
    expect(p.records.map((r) => r.eventTime)).toEqual([utc(2024, 7, 3), utc(2024, 7, 5)]);
    expect(rows(parse('a,b\n1,"quoted last"'))).toEqual([{ a: '1', b: 'quoted last' }]);
  });

  it('trims spaces and tabs around values by default, inside quotes too, and keeps them with trim: false', () => {
    const text = 'country,size,n\r\nNorway  ,L     ,  7\r\n"Norway  ",M,8\t\r\n';
    expect(rows(parse(text, { fields: [{ name: 'n', type: 'integer' }] }))).toEqual([{ country: 'Norway', size: 'L', n: 7 }, { country: 'Norway', size: 'M', n: 8 }]);
    expect(rows(parse(text, { trim: false }))).toEqual([{ country: 'Norway  ', size: 'L     ', n: '  7' }, { country: 'Norway  ', size: 'M', n: '8\t' }]);
  });

  it('skips blank lines without shifting line numbers', () => {
    const p = parse('a\n\nx\n\r\n\ny\n');
    expect(rows(p)).toEqual([{ a: 'x' }, { a: 'y' }]);
    expect(lines(p)).toEqual([3, 6]);
  });

  it('reads a header-only file and an empty file as no records', () => {
    expect(parse('customer_id,customer_type_id\n').records).toEqual([]);
    expect(parse('').records).toEqual([]);
  });

  it('skips records at or before the resume line without typing them', () => {
    const p = parse('v\n1\nbad\n3\n4\n', { fields: [{ name: 'v', type: 'integer' }] }, { resumeAfter: 3 });
    expect(rows(p)).toEqual([{ v: 3 }, { v: 4 }]);
    expect(p.letters).toEqual([]);
  });
});

describe('CsvParser: typed fields', () => {
  it('parses numbers exactly as Number() does, in every notation', () => {
    const texts = ['0', '-0.5', '.5', '+3', '481.23', '1.81E+11', '2.5e-7', '1E3', '12345678901234567', '0.1', '144.02499389648438', '7.', '-1.7976931348623157e308'];
    const p = parse(`v\n${texts.join('\n')}\n`, { fields: [{ name: 'v', type: 'number' }] });
    expect(rows(p).map((r) => r.v)).toEqual(texts.map((t) => Number(t)));
  });

  it('parses integers and rejects fractions', () => {
    const p = parse('v\n42\n-7\n21000.00\n1E+3\n1.5\n', { fields: [{ name: 'v', type: 'integer' }] });
    expect(rows(p).map((r) => r.v)).toEqual([42, -7, 21000, 1000]);
    expect(p.letters.map((l) => [formatPosition(l.position), l.field])).toEqual([['test.csv:6', 'v']]);
  });

  it('parses booleans in the usual spellings', () => {
    const p = parse('v\ntrue\nFALSE\n1\n0\nyes\nN\nt\n', { fields: [{ name: 'v', type: 'boolean' }] });
    expect(rows(p).map((r) => r.v)).toEqual([true, false, true, false, true, false, true]);
  });

  it('parses ISO-8601 timestamps with T or space, Z, offsets and US zone abbreviations, to UTC', () => {
    const cases: [string, number][] = [
      ['2024-01-02T09:30:00.123Z', utc(2024, 1, 2, 9, 30, 0, 123)],
      ['2024-01-02 09:30:00', utc(2024, 1, 2, 9, 30)],
      ['2025-06-11 13:30:00+00:00', utc(2025, 6, 11, 13, 30)],
      ['2024-01-02T09:30:00-05:00', utc(2024, 1, 2, 14, 30)],
      ['2024-01-02T09:30:00+0530', utc(2024, 1, 2, 4, 0)],
      ['2024-01-02T09:30:00.5+01:00', utc(2024, 1, 2, 8, 30, 0, 500)],
      ['2024-01-02T09:30:00.123456789Z', utc(2024, 1, 2, 9, 30, 0, 123)],
      ['2024-01-02 09:30:00 EST', utc(2024, 1, 2, 14, 30)],
      ['2024-07-02 09:30:00 EDT', utc(2024, 7, 2, 13, 30)],
      ['2024-01-02 09:30 CST', utc(2024, 1, 2, 15, 30)],
      ['2024-07-02 09:30:00 CDT', utc(2024, 7, 2, 14, 30)],
      ['2024-01-02 09:30:00 MST', utc(2024, 1, 2, 16, 30)],
      ['2024-07-02 09:30:00 MDT', utc(2024, 7, 2, 15, 30)],
      ['2024-01-02 09:30:00 PST', utc(2024, 1, 2, 17, 30)],
      ['2024-07-02 09:30:00 PDT', utc(2024, 7, 2, 16, 30)],
      ['2024-02-29', utc(2024, 2, 29)],
      ['1999-12-31T23:59:59Z', utc(1999, 12, 31, 23, 59, 59)],
      ['2024-01-02T00:00:00Z', utc(2024, 1, 2)],
    ];
    const p = parse(`ts,n\n${cases.map(([t], i) => `${t},${i}`).join('\n')}\n`, { fields: [{ name: 'ts', type: 'timestamp' }], eventTime: 'ts' });
    expect(p.letters).toEqual([]);
    expect(rows(p).map((r) => r.ts)).toEqual(cases.map(([, ms]) => ms));
    expect(p.records.map((r) => r.eventTime)).toEqual(cases.map(([, ms]) => ms));
  });

  it('rejects impossible timestamps and dates', () => {
    const p = parse('ts\n2023-02-29T00:00:00Z\n2024-13-01 00:00:00\n2024-01-02T24:00:00Z\n2024-01-02T09:30:00 XYZ\nyesterday\n', { fields: [{ name: 'ts', type: 'timestamp' }] });
    expect(p.records).toEqual([]);
    expect(p.letters.map((l) => l.position.offset)).toEqual([2, 3, 4, 5, 6]);
  });

  it('reads dates as YYYY-MM-DD text with event time at 00:00 UTC', () => {
    const p = parse('orderDate,n\n2003-01-06,1\n2003-01-09 00:00:00,2\n', { fields: [{ name: 'orderDate', type: 'date' }], eventTime: 'orderDate' });
    expect(rows(p).map((r) => r.orderDate)).toEqual(['2003-01-06', '2003-01-09']);
    expect(p.records.map((r) => r.eventTime)).toEqual([utc(2003, 1, 6), utc(2003, 1, 9)]);
  });

  it('reads missing values as null, with configurable null tokens', () => {
    const text = 'territory,v\nNA,1\n,\n"",2\nNULL,3\n';
    expect(rows(parse(text, { fields: [{ name: 'v', type: 'number' }] }))).toEqual([
      { territory: 'NA', v: 1 }, { territory: null, v: null }, { territory: null, v: 2 }, { territory: 'NULL', v: 3 },
    ]);
    expect(rows(parse(text, { nullTokens: ['', 'NA', 'NULL'], fields: [{ name: 'v', type: 'number' }] }))).toEqual([
      { territory: null, v: 1 }, { territory: null, v: null }, { territory: null, v: 2 }, { territory: null, v: 3 },
    ]);
    expect(rows(parse('a,b\nx,\n', { nullTokens: ['NA'] }))).toEqual([{ a: 'x', b: '' }]);
  });

  it('takes the key from a field and stringifies typed keys', () => {
    const p = parse('symbol,n\nNVDA,1\n,2\n', { key: 'symbol' });
    expect(p.records.map((r) => r.key)).toEqual(['NVDA', undefined]);
    expect(parse('id,x\n7,a\n', { key: 'id', fields: [{ name: 'id', type: 'integer' }] }).records[0]!.key).toBe('7');
  });

  it('gives every record the file name as source and partition', () => {
    const p = parse('a\nx\n', {}, { name: 'NVDA.csv' });
    expect(p.records[0]!.position).toEqual({ source: 'NVDA.csv', partition: 'NVDA.csv', offset: 2 });
    expect(formatPosition(p.records[0]!.position)).toBe('NVDA.csv:2');
  });
});

describe('CsvParser: bad records become dead letters', () => {
  it('dead-letters rows with the wrong number of fields, naming file:line and keeping the raw text', () => {
    const p = parse('a,b,c\r\n1,2,3\r\n1,2\r\n"multi\nline",2,3,4\r\n7,8,9\r\n');
    expect(rows(p)).toEqual([{ a: '1', b: '2', c: '3' }, { a: '7', b: '8', c: '9' }]);
    expect(p.letters).toEqual([
      { position: { source: 'test.csv', partition: 'test.csv', offset: 3 }, reason: 'parse_error', detail: 'expected 3 fields, found 2', raw: '1,2' },
      { position: { source: 'test.csv', partition: 'test.csv', offset: 4 }, reason: 'parse_error', detail: 'expected 3 fields, found 4', raw: '"multi\nline",2,3,4' },
    ]);
    expect(lines(p)).toEqual([2, 6]);
  });

  it('dead-letters a declared field that does not parse, with field and detail', () => {
    const p = parse('ts,symbol,price\n2024-01-02T09:30:00Z,NVDA,481.23\n2024-01-02T09:30:01Z,NVDA,4x1\nnot a time,NVDA,1\n', {
      fields: [{ name: 'ts', type: 'timestamp' }, { name: 'price', type: 'number' }], eventTime: 'ts',
    });
    expect(rows(p)).toEqual([{ ts: utc(2024, 1, 2, 9, 30), symbol: 'NVDA', price: 481.23 }]);
    expect(p.letters).toEqual([
      { position: { source: 'test.csv', partition: 'test.csv', offset: 3 }, reason: 'parse_error', field: 'price', detail: 'cannot parse "4x1" as number', raw: '2024-01-02T09:30:01Z,NVDA,4x1' },
      { position: { source: 'test.csv', partition: 'test.csv', offset: 4 }, reason: 'parse_error', field: 'ts', detail: 'cannot parse "not a time" as timestamp', raw: 'not a time,NVDA,1' },
    ]);
  });

  it('dead-letters a missing required value and a missing event time', () => {
    const p = parse('ts,v\n,1\n2024-01-01,\n2024-01-01,2\n', { fields: [{ name: 'ts', type: 'date' }, { name: 'v', type: 'integer', required: true }], eventTime: 'ts' });
    expect(rows(p)).toEqual([{ ts: '2024-01-01', v: 2 }]);
    expect(p.letters.map((l) => [l.position.offset, l.field, l.detail])).toEqual([
      [2, 'ts', 'event time is missing'],
      [3, 'v', 'required integer is missing'],
    ]);
  });

  it('dead-letters an unterminated quoted field at the end of the file', () => {
    const p = parse('a,b\n1,2\n3,"never closed\n4,5\n');
    expect(rows(p)).toEqual([{ a: '1', b: '2' }]);
    expect(p.letters).toEqual([{ position: { source: 'test.csv', partition: 'test.csv', offset: 3 }, reason: 'parse_error', detail: 'unterminated quoted field (it runs to the end of the file)', raw: '3,"never closed\n4,5\n' }]);
  });

  it('fails at the header when a declared field, event time or key is not a column', () => {
    const attempt = (read: ReadOptions): unknown => {
      try {
        parseBytes(Buffer.from('a,b\n1,2\n'), read, { fastPath: true, chunk: 100 });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const missingField = attempt({ fields: [{ name: 'price', type: 'number' }] });
    expect(missingField).toBeInstanceOf(ConfigError);
    expect((missingField as ConfigError).path).toBe('readOptions.fields.0.name');
    expect((missingField as ConfigError).message).toContain('test.csv has no column "price"');
    expect((attempt({ eventTime: 'ts' }) as ConfigError).path).toBe('readOptions.eventTime');
    expect((attempt({ key: 'k' }) as ConfigError).path).toBe('readOptions.key');
    expect((attempt({ fields: [{ name: 'a', type: 'number' }], eventTime: 'a' }) as ConfigError).path).toBe('readOptions.eventTime');
  });
});
