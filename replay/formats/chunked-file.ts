import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Row, StreamRecord } from '../../engine/index.js';
import type { ReadBatch, RecordReader } from './record-reader.js';

/**
 * Turns bytes into records. `parse` consumes complete records from `buf[start, end)` into `out`
 * (stopping at `max` records) and returns where it stopped: the start of the first record not yet
 * consumed. With `eof` set it must consume everything up to `end`.
 */
export interface ChunkParser {
  parse(buf: Buffer, start: number, end: number, eof: boolean, out: StreamRecord<Row>[], max: number): number;
}

const DEFAULT_CHUNK = 1 << 20;

/**
 * A `RecordReader` over a file read in chunks into one reusable buffer: the unconsumed tail of a
 * chunk moves to the front before the next read, and the buffer doubles when one record outgrows it.
 * Reads happen only inside `next()`, so a caller that stops pulling stops the disk.
 */
export class ChunkedFileReader implements RecordReader {
  readonly name: string;
  private buf: Buffer;
  private pos = 0;
  private filled = 0;
  private read = 0;
  private eof = false;
  private done = false;
  private started = false;

  private constructor(
    readonly path: string,
    private handle: FileHandle | undefined,
    readonly totalBytes: number,
    private readonly parser: ChunkParser,
    chunkBytes: number,
    private readonly skipUtf8Bom: boolean,
  ) {
    this.name = basename(path);
    this.buf = Buffer.allocUnsafe(Math.max(16, chunkBytes));
  }

  /** Opens a file; `makeParser` receives the reader's base name (the position source). */
  static async open(path: string, makeParser: (name: string) => ChunkParser, options: { chunkBytes?: number; skipUtf8Bom?: boolean } = {}): Promise<ChunkedFileReader> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      return new ChunkedFileReader(path, handle, size, makeParser(basename(path)), options.chunkBytes ?? DEFAULT_CHUNK, options.skipUtf8Bom ?? true);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  bytesRead(): number {
    return this.read;
  }

  async next(max: number): Promise<ReadBatch> {
    const out: StreamRecord<Row>[] = [];
    if (this.done) return { records: out, last: true };
    for (;;) {
      if (this.started && (this.pos < this.filled || this.eof)) {
        this.pos = this.parser.parse(this.buf, this.pos, this.filled, this.eof, out, max);
        if (this.eof && this.pos >= this.filled) {
          this.done = true;
          await this.close();
          return { records: out, last: true };
        }
        if (out.length >= max) return { records: out, last: false };
      }
      await this.fill();
    }
  }

  /** Moves the unconsumed tail to the front and reads the next chunk after it. */
  private async fill(): Promise<void> {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.filled);
      this.filled -= this.pos;
      this.pos = 0;
    }
    if (this.filled === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.filled);
      this.buf = bigger;
    }
    const handle = this.handle;
    if (handle === undefined) throw new Error(`${this.path}: read after close`);
    const { bytesRead } = await handle.read(this.buf, this.filled, this.buf.length - this.filled, null);
    this.filled += bytesRead;
    this.read += bytesRead;
    // A file that grows while it is replayed is read to the size it had when opened plus what one read saw.
    if (bytesRead === 0 || this.read >= this.totalBytes) this.eof = true;
    if (!this.started) {
      this.started = true;
      if (this.skipUtf8Bom && this.filled >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.pos = 3;
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.done = true;
    await handle?.close();
  }
}
