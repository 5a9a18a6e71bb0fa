import type { Cell, ColumnType } from '../../engine/index.js';

/** A cell as one field of COPY's text format (tab-separated, `\N` for null). */
export type CopyEncoder = (value: Cell | undefined) => string;

const NULL = '\\N';
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes backslash, newline, carriage return and tab; every other character travels as itself. */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : text;
}

function plain(value: Cell | undefined): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value === 'string') return escapeCopyText(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

function number(value: Cell | undefined): string {
  return typeof value === 'number' ? formatNumber(value) : plain(value);
}

const SCALES = [100, 10_000, 1_000_000] as const;
const SCALE_DIGITS = [2, 4, 6] as const;

/**
 * Exactly `String(value)` (the shortest text that reads back as the same double), faster for the common
 * case of a number with few decimals (prices, averages): when `k / 10^d === value` for an integer `k`
 * and d ≤ 6, the decimal k·10^-d is the only one that short within half an ulp (below 1e9 the ulp is far
 * smaller than 10^-6), so it is what `String` prints; the digits come from integer formatting, which
 * V8 caches. Everything else goes to `String`.
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !(value > -1e9 && value < 1e9)) return String(value);
  for (let i = 0; i < SCALES.length; i++) {
    const scale = SCALES[i]!;
    const scaled = Math.round(value * scale);
    if (scaled / scale !== value) continue;
    const magnitude = Math.abs(scaled);
    let fraction = String(magnitude % scale).padStart(SCALE_DIGITS[i]!, '0');
    let end = fraction.length;
    while (fraction.charCodeAt(end - 1) === 48 /* 0 */) end--;
    fraction = fraction.slice(0, end);
    return `${value < 0 ? '-' : ''}${Math.floor(magnitude / scale)}.${fraction}`;
  }
  return String(value);
}

const DAY_MS = 86_400_000;
// Years 0000–9999: the range where ISO-8601 text has the plain YYYY-MM-DD form.
const MIN_PLAIN_MS = -62_167_219_200_000;
const MAX_PLAIN_MS = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Epoch ms become ISO-8601 UTC; anything unrepresentable goes as text so the server rejects that row.
 * Remembers the last value (window results of one window share their start and end) and the last
 * day: rows of a day share the `YYYY-MM-DDT` text and the time of day is formatted from cached digits
 * (exactly `toISOString()`, several times faster: a bulk copy formats one per timestamp cell).
 */
function timestampEncoder(): CopyEncoder {
  let lastValue: number | undefined;
  let lastText = '';
  let lastDay = NaN;
  let dayText = '';
  return (value) => {
    if (typeof value !== 'number') return plain(value);
    if (value === lastValue) return lastText;
    lastValue = value;
    if (Number.isInteger(value) && value >= MIN_PLAIN_MS && value < MAX_PLAIN_MS) {
      const day = Math.floor(value / DAY_MS);
      if (day !== lastDay) {
        lastDay = day;
        dayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
      }
      let ms = value - day * DAY_MS;
      const hours = Math.floor(ms / 3_600_000);
      ms -= hours * 3_600_000;
      const minutes = Math.floor(ms / 60_000);
      ms -= minutes * 60_000;
      const seconds = Math.floor(ms / 1000);
      lastText = `${dayText}${TWO_DIGITS[hours]!}:${TWO_DIGITS[minutes]!}:${TWO_DIGITS[seconds]!}.${THREE_DIGITS[ms - seconds * 1000]!}Z`;
      return lastText;
    }
    const date = new Date(value);
    lastText = Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
    return lastText;
  };
}

/** The encoder of a declared column type (one per column: it may keep a small cache); values are data, never SQL. */
export function copyEncoder(type: ColumnType): CopyEncoder {
  if (type === 'timestamptz') return timestampEncoder();
  if (type === 'numeric' || type === 'integer') return number;
  return plain;
}

/**
 * Where a row read from a PostgreSQL `COPY … TO STDOUT` may keep its line as it arrived. The line names
 * the row object it was read into: a row built from this one (a spread copies symbol properties too),
 * whose values may differ, is a different object, so its copy of the line is ignored.
 */
const SOURCE_COPY_LINE: unique symbol = Symbol('cloudpulse.postgres.copyLine');

/** Text that COPY lines are cut from (a snapshot page): lines of one page are compared by this object. */
export interface CopyTextPage {
  readonly text: string;
  /**
   * The text as it arrived, when it is ASCII: text offsets are then byte offsets, and a sink sends a run
   * of lines as a slice of these bytes instead of encoding the text again.
   */
  readonly bytes?: Buffer;
}

/**
 * A COPY text line (`page.text` from `start` to `end`, its newline included, escapes as the server wrote
 * them), the columns it holds in order (one array per source table), and the row read from it.
 */
export interface SourceCopyLine {
  readonly page: CopyTextPage;
  readonly start: number;
  readonly end: number;
  readonly columns: readonly string[];
  readonly row: object;
}

/**
 * Attaches to `row` its COPY text line, holding `columns` in order. Only for a line that a PostgreSQL
 * table with the row's declared column types stores as the row's values (see
 * `ColumnMapping.copyTextKeepsValue`): a sink may then copy the line instead of encoding the cells.
 */
export function attachSourceCopyLine(row: object, page: CopyTextPage, start: number, end: number, columns: readonly string[]): void {
  (row as { [SOURCE_COPY_LINE]?: SourceCopyLine })[SOURCE_COPY_LINE] = { page, start, end, columns, row };
}

/**
 * Gives `template` (an object rows are spread from) the property their lines go to, empty: rows that
 * then get a line keep the template's shape instead of growing one property.
 */
export function reserveSourceCopyLine(template: object): void {
  (template as { [SOURCE_COPY_LINE]?: SourceCopyLine })[SOURCE_COPY_LINE] = undefined;
}

/**
 * A reader of the lines rows carry: `line(row)` is the row's COPY line when it was read into this very
 * row and holds exactly `columns` in order, else undefined (encode the cells). The column check runs
 * once per source table.
 */
export function sourceCopyLines(columns: readonly string[]): (row: object) => SourceCopyLine | undefined {
  let accepted: readonly string[] | undefined;
  let refused: readonly string[] | undefined;
  return (row) => {
    const carried = (row as { [SOURCE_COPY_LINE]?: SourceCopyLine })[SOURCE_COPY_LINE];
    if (carried === undefined || carried.row !== row) return undefined;
    if (carried.columns === accepted) return carried;
    if (carried.columns === refused) return undefined;
    if (carried.columns.length === columns.length && carried.columns.every((name, i) => name === columns[i])) {
      accepted = carried.columns;
      return carried;
    }
    refused = carried.columns;
    return undefined;
  };
}
