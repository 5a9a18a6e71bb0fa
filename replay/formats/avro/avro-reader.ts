import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import avro from 'avsc';
import type { Row, StreamRecord } from '../../../engine/index.js';
import type { ReadBatch, RecordReader, RecordReaderOptions } from '../record-reader.js';
import { ValueRowBuilder } from '../value-row.js';

/**
 * Reads an Avro object container file (any codec avsc knows: null, deflate) with avsc's block
 * decoder. A record's offset is its 1-based index in the file, counted across blocks, so
 * `formatPosition` prints `file.avro:<n>`. Undeclared fields keep their values (nested ones as JSON
 * text, bytes as base64); declared ones are typed as in every format. A record whose declared field
 * does not parse is dead-lettered; a file that cannot be decoded further dead-letters the position
 * where decoding stopped (`decode_error`) and ends.
 */
class AvroRecordReader implements RecordReader {
  readonly name: string;
  private readonly iterator: AsyncIterator<unknown>;
  private readonly builder: ValueRowBuilder;
  private index = 0;
  private done = false;
  private sawHeader = false;

  constructor(
    readonly path: string,
    readonly totalBytes: number,
    private readonly file: ReadStream,
    decoder: NodeJS.ReadableStream,
    private readonly options: RecordReaderOptions,
  ) {
    this.name = basename(path);
    decoder.once('metadata', () => {
      this.sawHeader = true;
    });
    this.iterator = decoder[Symbol.asyncIterator]();
    this.builder = new ValueRowBuilder(options.read);
  }

  bytesRead(): number {
    return this.file.bytesRead;
  }

  async next(max: number): Promise<ReadBatch> {
    const records: StreamRecord<Row>[] = [];
    const resumeAfter = this.options.resumeAfter ?? 0;
    while (!this.done && records.length < max) {
      let step: IteratorResult<unknown>;
      try {
        step = await this.iterator.next();
      } catch (error) {
        this.options.deadLetter({
          position: { source: this.name, partition: this.name, offset: this.index + 1 },
          reason: 'decode_error',
          detail: `cannot decode the Avro file from this record on: ${(error as Error).message}`,
        });
        await this.close();
        break;
      }
      if (step.done === true) {
        // avsc ends quietly on a file whose header never completes; that is a file we could not read.
        if (!this.sawHeader) {
          this.options.deadLetter({
            position: { source: this.name, partition: this.name, offset: 1 },
            reason: 'decode_error',
            detail: 'no complete Avro header: the file is truncated or not an Avro object container file',
          });
        }
        await this.close();
        break;
      }
      const offset = ++this.index;
      if (offset <= resumeAfter) continue;
      const position = { source: this.name, partition: this.name, offset };
      const result = this.builder.build(step.value);
      if (!result.ok) {
        this.options.deadLetter({
          position, reason: 'parse_error', detail: result.detail, ...(result.field === undefined ? {} : { field: result.field }),
          raw: safeJson(step.value),
        });
        continue;
      }
      records.push({ value: result.row, eventTime: result.eventTime, key: result.key, position });
    }
    return { records, last: this.done };
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.file.destroy();
    await this.iterator.return?.();
  }
}

function safeJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : Buffer.isBuffer(inner) ? inner.toString('base64') : inner));
}

/** Opens an Avro object container file as a `RecordReader`. */
export async function openAvroReader(path: string, options: RecordReaderOptions): Promise<RecordReader> {
  const { size } = await stat(path);
  const file = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  const decoder = new avro.streams.BlockDecoder();
  file.on('error', (error) => decoder.destroy(error));
  file.pipe(decoder);
  return new AvroRecordReader(path, size, file, decoder, options);
}
