import type { Cell, DeadLetter, ReadOptions, Row, StreamRecord } from '../../../engine/index.js';
import type { ChunkParser } from '../chunked-file.js';
import { formatUtcDate } from '../civil-time.js';
import { parseBooleanText, parseDateText, parseIntegerText, parseNumberText, parseTimestampText } from '../parse-text.js';
import { normaliseHeader, resolveRowSchema, T_BOOLEAN, T_DATE, T_INTEGER, T_NUMBER, T_STRING, T_TIMESTAMP, TYPE_NAMES, type RowSchema } from '../row-schema.js';
import { dateFromBytes, numberFromBytes, timestampFromBytes } from './byte-values.js';
import { compileFastRecordParser, type FastRecordParser } from './fast-record.js';
import { StringInterner } from './string-interner.js';
import { decoderFor, type ByteDecoder } from './text-decoder.js';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/** Field flags: quoted, holding doubled quotes, or followed by text after its closing quote. */
const QUOTED = 1;
const ESCAPED = 2;
const TAIL = 4;

/** What a CSV parser needs besides the bytes. */
export interface CsvParserConfig {
  /** The file's base name: source and partition of positions. */
  readonly name: string;
  readonly read: ReadOptions;
  readonly deadLetter: (letter: DeadLetter) => void;
  /** Records starting at or before this physical line are skipped without being typed. */
  readonly resumeAfter?: number;
  /** Receives the header once it has been read (normalised names). */
  readonly onHeader?: (columns: readonly string[]) => void;
  /** Set false to parse every record on the general path (tests compare both paths). */
  readonly fastPath?: boolean;
}

/**
 * An RFC 4180 CSV parser working on bytes. It tracks physical lines (LF, CRLF and lone CR all end
 * a line, inside quoted fields too) so a record's position is the line where it starts; handles
 * doubled quotes, line breaks inside quotes, a missing final newline and blank lines (skipped).
 * Typed fields are read from bytes by fast paths with a text fallback; short repeated strings are
 * interned. A record with the wrong field count or a bad declared value is dead-lettered with
 * `file:line`, field, detail and raw text; it never stops the parse.
 */
export class CsvParser implements ChunkParser {
  private line = 1;
  private schema: RowSchema | undefined;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private tails = new Int32Array(64);
  private flags = new Uint8Array(64);
  private values: Cell[] = [];
  private interners: (StringInterner | undefined)[] = [];
  private fast: FastRecordParser | undefined;
  private readonly decode: ByteDecoder;
  private readonly headerLine: number;
  private readonly skipLines: ReadonlySet<number> | undefined;
  private readonly resumeAfter: number;
  private readonly trim: boolean;
  private readonly nullEmpty: boolean;
  private readonly nullTokens: readonly Buffer[];
  private readonly nullTokenMax: number;

  constructor(private readonly config: CsvParserConfig) {
    const read = config.read;
    this.decode = decoderFor(read.encoding);
    this.headerLine = read.headerLine ?? 1;
    this.skipLines = read.skipLines !== undefined && read.skipLines.length > 0 ? new Set(read.skipLines) : undefined;
    this.resumeAfter = config.resumeAfter ?? 0;
    this.trim = read.trim ?? true;
    const tokens = read.nullTokens ?? [''];
    this.nullEmpty = tokens.includes('');
    // Null tokens are compared as bytes; they are ASCII in practice, so Latin-1 bytes match every encoding.
    const tokenEncoding = read.encoding === undefined || read.encoding === 'utf-8' ? 'utf8' : 'latin1';
    this.nullTokens = tokens.filter((t) => t !== '').map((t) => Buffer.from(t, tokenEncoding));
    this.nullTokenMax = this.nullTokens.reduce((m, t) => Math.max(m, t.length), 0);
  }

  /** The header's column names once read (normalised), else undefined. */
  columns(): readonly string[] | undefined {
    return this.schema?.columns;
  }

  parse(buf: Buffer, start: number, end: number, eof: boolean, out: StreamRecord<Row>[], max: number): number {
    let pos = start;
    let starts = this.starts;
    let ends = this.ends;
    let flags = this.flags;
    // The last LF in the chunk bounds the fast path's reads: every record starting before it ends at or before it.
    const limit = end > start ? buf.lastIndexOf(LF, end - 1) : -1;
    while (out.length < max && pos < end) {
      const fast = this.fast;
      if (fast !== undefined && pos < limit) {
        const recLine = this.line;
        if (recLine > this.resumeAfter && (this.skipLines === undefined || !this.skipLines.has(recLine))) {
          const next = fast(buf, pos, limit, recLine, out);
          if (next >= 0) {
            pos = next;
            this.line = recLine + 1;
            continue;
          }
        }
      }
      const recStart = pos;
      let line = this.line;
      let p = pos;
      let c = buf[p];
      if (c === LF) {
        pos = p + 1;
        this.line = line + 1;
        continue;
      }
      if (c === CR) {
        if (p + 1 >= end && !eof) return pos;
        pos = p + 1 < end && buf[p + 1] === LF ? p + 2 : p + 1;
        this.line = line + 1;
        continue;
      }
      let nf = 0;
      let recEnd: number;
      let next: number;
      for (;;) {
        if (nf === starts.length) {
          this.grow();
          starts = this.starts;
          ends = this.ends;
          flags = this.flags;
        }
        if (p < end && buf[p] === QUOTE) {
          let q = p + 1;
          let f = QUOTED;
          let complete = true;
          for (;;) {
            if (q >= end) {
              complete = false;
              break;
            }
            c = buf[q];
            if (c === QUOTE) {
              if (q + 1 < end) {
                if (buf[q + 1] === QUOTE) {
                  f |= ESCAPED;
                  q += 2;
                  continue;
                }
                break;
              }
              if (!eof) complete = false;
              break;
            }
            if (c === LF) {
              line++;
            } else if (c === CR) {
              if (q + 1 >= end) {
                if (!eof) {
                  complete = false;
                  break;
                }
                line++;
              } else if (buf[q + 1] !== LF) {
                line++;
              }
            }
            q++;
          }
          if (!complete) {
            if (!eof) return recStart;
            this.reject(this.line, undefined, 'unterminated quoted field (it runs to the end of the file)', this.decode(buf, recStart, Math.min(end, recStart + 10_000)));
            this.line = line;
            return end;
          }
          starts[nf] = p + 1;
          ends[nf] = q;
          let r = q + 1;
          let tail = false;
          while (r < end) {
            c = buf[r];
            if (c === COMMA || c === LF || c === CR) break;
            if (c !== SPACE && c !== TAB) tail = true;
            r++;
          }
          if (tail) {
            f |= TAIL;
            this.tails[nf] = r;
          }
          flags[nf] = f;
          p = r;
        } else {
          let r = p;
          while (r < end) {
            c = buf[r];
            if (c === COMMA || c === LF || c === CR) break;
            r++;
          }
          starts[nf] = p;
          ends[nf] = r;
          flags[nf] = 0;
          p = r;
        }
        nf++;
        if (p >= end) {
          if (!eof) return recStart;
          recEnd = p;
          next = p;
          break;
        }
        c = buf[p];
        if (c === COMMA) {
          p++;
          continue;
        }
        recEnd = p;
        if (c === LF) {
          next = p + 1;
        } else if (p + 1 < end) {
          next = buf[p + 1] === LF ? p + 2 : p + 1;
        } else if (eof) {
          next = p + 1;
        } else {
          return recStart;
        }
        line++;
        break;
      }
      const recLine = this.line;
      this.line = line;
      pos = next;
      if (this.schema === undefined) this.header(buf, recLine, nf);
      else if (recLine > this.resumeAfter && (this.skipLines === undefined || !this.skipLines.has(recLine))) this.record(buf, recStart, recEnd, recLine, nf, out);
    }
    return pos;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    const ends = new Int32Array(size);
    ends.set(this.ends);
    const tails = new Int32Array(size);
    tails.set(this.tails);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.tails = tails;
    this.flags = flags;
  }

  /** A field's text (quotes undone, trimmed when configured): the general path. */
  private fieldText(buf: Buffer, i: number): string {
    const f = this.flags[i]!;
    let text = this.decode(buf, this.starts[i]!, this.ends[i]!);
    if ((f & ESCAPED) !== 0) text = text.replaceAll('""', '"');
    if ((f & TAIL) !== 0) text += this.decode(buf, this.ends[i]! + 1, this.tails[i]!);
    return this.trim ? text.replace(/^[ \t]+|[ \t]+$/g, '') : text;
  }

  private header(buf: Buffer, recLine: number, nf: number): void {
    if (recLine < this.headerLine) return;
    const names: string[] = [];
    for (let i = 0; i < nf; i++) names.push(this.fieldText(buf, i).trim());
    const columns = normaliseHeader(names, this.config.read.emptyHeaderName);
    const schema = resolveRowSchema(columns, this.config.read, this.config.name);
    this.schema = schema;
    this.values = new Array<Cell>(columns.length).fill(null);
    this.interners = columns.map((_, i) => (schema.types[i] === T_STRING || schema.types[i] === T_DATE ? new StringInterner(this.decode) : undefined));
    if (this.config.fastPath !== false && this.nullTokens.length === 0) {
      this.fast = compileFastRecordParser(schema, this.interners, { trim: this.trim, nullEmpty: this.nullEmpty, source: this.config.name });
    }
    this.config.onHeader?.(columns);
  }

  private record(buf: Buffer, recStart: number, recEnd: number, recLine: number, nf: number, out: StreamRecord<Row>[]): void {
    const schema = this.schema!;
    const columns = schema.columns;
    const n = columns.length;
    if (nf !== n) {
      this.reject(recLine, undefined, `expected ${n} fields, found ${nf}`, this.decode(buf, recStart, recEnd));
      return;
    }
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    const types = schema.types;
    const values = this.values;
    const trim = this.trim;
    let eventTime = 0;
    for (let i = 0; i < n; i++) {
      const type = types[i]!;
      let value: Cell;
      let ms = NaN;
      if ((flags[i]! & (ESCAPED | TAIL)) !== 0) {
        const text = this.fieldText(buf, i);
        if (this.isNullText(text)) {
          value = null;
        } else {
          const typed = this.fromText(text, type);
          if (typed === undefined) {
            this.reject(recLine, columns[i], `cannot parse ${quote(text)} as ${TYPE_NAMES[type]}`, this.decode(buf, recStart, recEnd));
            return;
          }
          value = typed.value;
          ms = typed.ms;
        }
      } else {
        let s = starts[i]!;
        let e = ends[i]!;
        if (trim) {
          while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
          while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
        }
        if (s === e ? this.nullEmpty : e - s <= this.nullTokenMax && this.isNullToken(buf, s, e)) {
          value = null;
        } else {
          switch (type) {
            case T_STRING:
              value = this.interners[i]!.get(buf, s, e);
              break;
            case T_NUMBER: {
              let v = numberFromBytes(buf, s, e);
              if (v !== v) v = parseNumberText(this.decode(buf, s, e)) ?? NaN;
              value = v;
              break;
            }
            case T_INTEGER: {
              let v = numberFromBytes(buf, s, e);
              if (v !== v) v = parseIntegerText(this.decode(buf, s, e)) ?? NaN;
              value = Number.isSafeInteger(v) ? v : NaN;
              break;
            }
            case T_TIMESTAMP: {
              let v = timestampFromBytes(buf, s, e);
              if (v !== v) v = parseTimestampText(this.decode(buf, s, e)) ?? NaN;
              value = v;
              ms = v;
              break;
            }
            case T_DATE: {
              ms = dateFromBytes(buf, s, e);
              if (ms === ms) {
                value = this.interners[i]!.get(buf, s, e);
              } else {
                const text = this.decode(buf, s, e);
                ms = parseDateText(text) ?? NaN;
                value = ms === ms ? formatUtcDate(ms) : NaN;
              }
              break;
            }
            default: {
              const b = parseBooleanText(this.decode(buf, s, e));
              value = b === undefined ? NaN : b;
            }
          }
          if (value !== value) {
            this.reject(recLine, columns[i], `cannot parse ${quote(this.decode(buf, s, e))} as ${TYPE_NAMES[type]}`, this.decode(buf, recStart, recEnd));
            return;
          }
        }
      }
      if (value === null && schema.required[i] === 1) {
        this.reject(recLine, columns[i], `required ${TYPE_NAMES[type]} is missing`, this.decode(buf, recStart, recEnd));
        return;
      }
      if (i === schema.eventTimeColumn) {
        if (value === null) {
          this.reject(recLine, columns[i], 'event time is missing', this.decode(buf, recStart, recEnd));
          return;
        }
        eventTime = ms;
      }
      values[i] = value;
    }
    const keyValue = schema.keyColumn < 0 ? null : values[schema.keyColumn]!;
    out.push({
      value: schema.makeRow(values),
      eventTime,
      key: keyValue === null ? undefined : typeof keyValue === 'string' ? keyValue : String(keyValue),
      position: { source: this.config.name, partition: this.config.name, offset: recLine },
    });
  }

  /** Typed value from text (general path); `ms` is the instant of timestamp and date values. */
  private fromText(text: string, type: number): { value: Cell; ms: number } | undefined {
    switch (type) {
      case T_STRING:
        return { value: text, ms: NaN };
      case T_NUMBER: {
        const v = parseNumberText(text);
        return v === undefined ? undefined : { value: v, ms: NaN };
      }
      case T_INTEGER: {
        const v = parseIntegerText(text);
        return v === undefined ? undefined : { value: v, ms: NaN };
      }
      case T_BOOLEAN: {
        const v = parseBooleanText(text);
        return v === undefined ? undefined : { value: v, ms: NaN };
      }
      case T_TIMESTAMP: {
        const v = parseTimestampText(text);
        return v === undefined ? undefined : { value: v, ms: v };
      }
      default: {
        const v = parseDateText(text);
        return v === undefined ? undefined : { value: formatUtcDate(v), ms: v };
      }
    }
  }

  private isNullText(text: string): boolean {
    if (text === '') return this.nullEmpty;
    return this.config.read.nullTokens?.includes(text) === true;
  }

  private isNullToken(buf: Buffer, s: number, e: number): boolean {
    for (const token of this.nullTokens) {
      if (token.length !== e - s) continue;
      let same = true;
      for (let k = 0; k < token.length; k++) {
        if (token[k] !== buf[s + k]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  private reject(recLine: number, field: string | undefined, detail: string, raw: string): void {
    this.config.deadLetter({
      position: { source: this.config.name, partition: this.config.name, offset: recLine },
      reason: 'parse_error',
      detail,
      ...(field === undefined ? {} : { field }),
      raw,
    });
  }
}

function quote(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(shown);
}
