import type { Row, StreamRecord } from '../../../engine/index.js';
import { ChunkedFileReader, type ChunkParser } from '../chunked-file.js';
import type { RecordReader, RecordReaderOptions } from '../record-reader.js';
import { ValueRowBuilder } from '../value-row.js';

const LF = 10;
const CR = 13;

/**
 * JSON Lines: one JSON object per line (LF or CRLF), blank lines skipped. A line that is not valid
 * JSON, not an object, or whose declared field does not parse is dead-lettered with `file:line`.
 */
class JsonlParser implements ChunkParser {
  private line = 1;
  private readonly builder: ValueRowBuilder;

  constructor(
    private readonly name: string,
    private readonly options: RecordReaderOptions,
  ) {
    this.builder = new ValueRowBuilder(options.read);
  }

  parse(buf: Buffer, start: number, end: number, eof: boolean, out: StreamRecord<Row>[], max: number): number {
    let pos = start;
    const resumeAfter = this.options.resumeAfter ?? 0;
    while (out.length < max && pos < end) {
      let lineEnd = buf.indexOf(LF, pos);
      let next: number;
      if (lineEnd === -1 || lineEnd >= end) {
        if (!eof) return pos;
        lineEnd = end;
        next = end;
      } else {
        next = lineEnd + 1;
      }
      const textEnd = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      const line = this.line++;
      const recStart = pos;
      pos = next;
      if (line <= resumeAfter) continue;
      const text = buf.toString('utf8', recStart, textEnd);
      if (text.trim() === '') continue;
      const position = { source: this.name, partition: this.name, offset: line };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        this.options.deadLetter({ position, reason: 'parse_error', detail: `invalid JSON: ${(error as Error).message}`, raw: text });
        continue;
      }
      const result = this.builder.build(parsed);
      if (!result.ok) {
        this.options.deadLetter({ position, reason: 'parse_error', detail: result.detail, ...(result.field === undefined ? {} : { field: result.field }), raw: text });
        continue;
      }
      out.push({ value: result.row, eventTime: result.eventTime, key: result.key, position });
    }
    return pos;
  }
}

/** Opens a JSON Lines file as a `RecordReader`; positions are `file:line`. */
export async function openJsonlReader(path: string, options: RecordReaderOptions): Promise<RecordReader> {
  return ChunkedFileReader.open(path, (name) => new JsonlParser(name, options), options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes });
}
