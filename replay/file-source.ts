import { basename } from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import {
  ConfigError,
  type Clock,
  type ReadOptions,
  type Row,
  type Source,
  type SourceContext,
  type SourcePosition,
  type StreamBatch,
  type StreamRecord,
} from '../engine/index.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { readFirstLines } from './formats/csv/header-lines.js';
import { detectFormat, openRecordReader, type FileFormat } from './formats/open-reader.js';
import type { RecordReader } from './formats/record-reader.js';
import { mergeByEventTime } from './ordering/merge-by-event-time.js';
import type { BatchReader, OrderedBatch } from './ordering/ordered-batch.js';
import { sortByEventTime } from './ordering/sort-by-event-time.js';
import { filterByTime } from './ordering/time-filter.js';
import { Pacer, type ReplaySpeed } from './pacing.js';

/** Read options for a file, chosen from its name and first lines (the shape of `InputSpec.readOptions`). */
export type ReadOptionsChooser = (fileName: string, firstLines: readonly string[]) => ReadOptions;

/** The order a replay emits records in. */
export type ReplayOrdering = 'file' | 'event-time';

/** How a file source reads, orders and paces its files. */
export interface FileSourceOptions {
  /** One or several files; each is its own partition named by its base name (base names must differ). */
  readonly files: readonly string[];
  /** Source name for events and logs (default: the single file's base name, else `files`). */
  readonly name?: string;
  /** Default: from each file's extension (.csv, .jsonl/.ndjson/.json, .avro). */
  readonly format?: FileFormat;
  /** The same options for every file, or a function choosing them per file from its first 8 lines. */
  readonly readOptions?: ReadOptions | ReadOptionsChooser;
  /**
   * `file` (default): each file in its own order, several files merged by event time; a downstream
   * watermark handles bounded disorder. `event-time`: every record sorted by event time (stable),
   * with an external merge sort through temp files when the input exceeds `memoryBudgetBytes`.
   */
  readonly ordering?: ReplayOrdering;
  /** `'max'` (default) or event time × this factor, on the clock. */
  readonly speed?: ReplaySpeed;
  /** Event-time bounds in epoch ms: `from` inclusive, `to` exclusive; records outside are counted as filtered. */
  readonly from?: number;
  readonly to?: number;
  /** Records per emitted batch (default 1,000). */
  readonly batchSize?: number;
  /** Memory the event-time sort may use before spilling sorted runs to disk (default 256 MiB). */
  readonly memoryBudgetBytes?: number;
  /** Folder for the event-time sort's temporary runs (default the OS temp folder). */
  readonly tempDir?: string;
  /** A JSON file where `commit` records durable positions and `open` resumes from. */
  readonly checkpointFile?: string;
  /** Overrides the context's clock for pacing (the context's clock is used otherwise). */
  readonly clock?: Clock;
  /** Bytes per disk read (default 1 MiB). */
  readonly chunkBytes?: number;
}

const DEFAULT_BATCH = 1000;
const DEFAULT_BUDGET = 256 * 1024 * 1024;
const FIRST_LINES = 8;

/**
 * A bounded `Source<Row>` replaying CSV, JSON Lines and Avro files. Positions are
 * `{ source: file base name, partition: file base name, offset: line }` (Avro: record index), so a
 * dead letter or an error names `file:line`. Records come in batches of about `batchSize`; the
 * batch holding a file's last record lists its partition in `endOfPartitions`. Reading is pulled
 * batch by batch: `pause()` stops the disk reads and emissions before the next batch, `resume()`
 * restarts them (in event-time order every input is read and sorted before the first batch, so
 * there a pause holds back emission only). `commit()` keeps the highest durable offset per file (and writes the checkpoint
 * file when configured); `open()` skips records at or below the offsets in `ctx.resumeFrom` and the
 * checkpoint. Emits a `replay_progress` event after every batch. `close()` stops reading: the
 * observable then completes without the remaining files' `endOfPartitions`.
 */
export class FileSource implements Source<Row> {
  readonly name: string;
  readonly boundedness = 'bounded' as const;
  private readonly options: FileSourceOptions;
  private readonly committed = new Map<string, SourcePosition>();
  private paused = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private pacer: Pacer | undefined;
  private running: Promise<void> | undefined;
  private checkpointWrite: Promise<void> = Promise.resolve();
  private readers: RecordReader[] = [];
  private rows = 0;

  constructor(options: FileSourceOptions) {
    if (options.files.length === 0) throw new ConfigError('files', 'name at least one file to replay');
    const seen = new Set<string>();
    for (const file of options.files) {
      const name = basename(file);
      if (seen.has(name)) throw new ConfigError('files', `two files share the base name ${name}; positions (file:line) would be ambiguous`);
      seen.add(name);
      if (options.format === undefined) detectFormat(file);
    }
    const speed = options.speed ?? 'max';
    if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) throw new ConfigError('speed', `must be "max" or a positive factor, got ${String(speed)}`);
    if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) throw new ConfigError('batchSize', 'must be a positive integer');
    if (options.memoryBudgetBytes !== undefined && !(options.memoryBudgetBytes > 0)) throw new ConfigError('memoryBudgetBytes', 'must be positive');
    if (options.from !== undefined && options.to !== undefined && !(options.from < options.to)) throw new ConfigError('to', 'must be after from');
    this.options = options;
    this.name = options.name ?? (options.files.length === 1 ? basename(options.files[0]!) : 'files');
  }

  open(ctx: SourceContext): Observable<StreamBatch<Row>> {
    return new Observable<StreamBatch<Row>>((subscriber) => {
      this.stopped = false;
      this.paused = false;
      const run = this.run(ctx, subscriber).then(
        () => subscriber.complete(),
        (error: unknown) => subscriber.error(error),
      );
      this.running = run;
      return () => this.stop();
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeUp();
  }

  /** Keeps the highest offset per file (positions never move back); idempotent. */
  async commit(positions: readonly SourcePosition[]): Promise<void> {
    let changed = false;
    for (const position of positions) {
      if (position.source !== position.partition || !this.ownsFile(position.source)) continue;
      const current = this.committed.get(position.source);
      if (current === undefined || position.offset > current.offset) {
        this.committed.set(position.source, { source: position.source, partition: position.partition, offset: position.offset });
        changed = true;
      }
    }
    const path = this.options.checkpointFile;
    if (changed && path !== undefined) {
      const snapshot = [...this.committed.values()];
      this.checkpointWrite = this.checkpointWrite.then(() => writeCheckpoint(path, snapshot));
      await this.checkpointWrite;
    }
  }

  /** Rows emitted, and bytes read of the total, in the current (or last) run. */
  stats(): { rows: number; bytesRead: number; totalBytes: number } {
    return {
      rows: this.rows,
      bytesRead: this.readers.reduce((sum, r) => sum + r.bytesRead(), 0),
      totalBytes: this.readers.reduce((sum, r) => sum + r.totalBytes, 0),
    };
  }

  /** The highest committed position per file so far. */
  committedPositions(): SourcePosition[] {
    return [...this.committed.values()];
  }

  async close(): Promise<void> {
    this.stop();
    await this.running;
    await this.checkpointWrite;
  }

  private stop(): void {
    this.stopped = true;
    this.pacer?.interrupt();
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private ownsFile(name: string): boolean {
    return this.options.files.some((file) => basename(file) === name);
  }

  private async resumePoints(ctx: SourceContext): Promise<Map<string, number>> {
    const points = new Map<string, number>();
    const stored = this.options.checkpointFile === undefined ? [] : await readCheckpoint(this.options.checkpointFile);
    for (const position of [...ctx.resumeFrom, ...stored]) {
      if (position.source !== position.partition || !this.ownsFile(position.source)) continue;
      points.set(position.source, Math.max(points.get(position.source) ?? -Infinity, position.offset));
      const current = this.committed.get(position.source);
      if (current === undefined || position.offset > current.offset) this.committed.set(position.source, { ...position });
    }
    return points;
  }

  private async run(ctx: SourceContext, subscriber: Subscriber<StreamBatch<Row>>): Promise<void> {
    const options = this.options;
    const clock = options.clock ?? ctx.clock;
    const speed = options.speed ?? 'max';
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    const resumeAt = await this.resumePoints(ctx);
    const readers: RecordReader[] = [];
    this.readers = readers;
    this.rows = 0;
    let ordered: AsyncGenerator<OrderedBatch> | undefined;
    try {
      for (const file of options.files) {
        const format = options.format ?? detectFormat(file);
        const read = typeof options.readOptions === 'function'
          ? options.readOptions(basename(file), format === 'avro' ? [] : await readFirstLines(file, FIRST_LINES))
          : (options.readOptions ?? {});
        const resumeAfter = resumeAt.get(basename(file));
        readers.push(await openRecordReader(file, format, {
          read,
          deadLetter: (letter) => ctx.deadLetter(letter),
          ...(resumeAfter === undefined ? {} : { resumeAfter }),
          ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
        }));
        if (this.stopped) return;
      }
      const totalBytes = readers.reduce((sum, r) => sum + r.totalBytes, 0);
      const onFiltered = (count: number): void => ctx.events.emit({ type: 'filtered', topology: ctx.topology, operator: `${this.name}:time-filter`, count });
      const inputs: BatchReader[] = readers.map((r) => filterByTime(r, options.from, options.to, onFiltered));
      let totalRecords = -1;
      ordered = options.ordering === 'event-time'
        ? sortByEventTime(inputs, {
          batchSize,
          memoryBudgetBytes: options.memoryBudgetBytes ?? DEFAULT_BUDGET,
          ...(options.tempDir === undefined ? {} : { tempDir: options.tempDir }),
          onLoaded: (n) => {
            totalRecords = n;
          },
        })
        : mergeByEventTime(inputs, batchSize);
      const pacer = new Pacer(clock, speed);
      this.pacer = pacer;
      // In event-time order every byte is read before the first record leaves, so progress there
      // reports the emitted share of the input instead of the bytes read.
      const bytesDone = (): number => totalRecords >= 0
        ? (totalRecords === 0 ? totalBytes : Math.round((totalBytes * this.rows) / totalRecords))
        : readers.reduce((sum, r) => sum + r.bytesRead(), 0);

      const emit = async (records: StreamRecord<Row>[], ended: readonly string[]): Promise<void> => {
        await this.whileRunning(pacer, clock);
        if (this.stopped || subscriber.closed) return;
        subscriber.next(ended.length > 0 ? { records, endOfPartitions: ended } : { records });
        this.rows += records.length;
        ctx.events.emit({ type: 'replay_progress', topology: ctx.topology, source: this.name, rows: this.rows, totalBytes, bytesRead: bytesDone(), speed });
      };

      for (;;) {
        await this.whileRunning(pacer, clock);
        if (this.stopped || subscriber.closed) return;
        const step = await ordered.next();
        if (step.done === true) return;
        const { records, ended } = step.value;
        if (speed === 'max') {
          await emit(records, ended);
          continue;
        }
        let from = 0;
        for (let i = 0; i < records.length; i++) {
          const wait = pacer.delayFor(records[i]!.eventTime);
          if (wait <= 0) continue;
          if (i > from) await emit(records.slice(from, i), []);
          from = i;
          await pacer.sleep(wait);
          if (this.stopped) return;
        }
        await emit(from === 0 ? records : records.slice(from), ended);
      }
    } finally {
      this.pacer = undefined;
      await ordered?.return(undefined);
      for (const reader of readers) await reader.close();
    }
  }

  /** Resolves at once unless paused; while paused, waits for `resume()` or a stop. */
  private async whileRunning(pacer: Pacer, clock: Clock): Promise<void> {
    if (!this.paused || this.stopped) return;
    const pausedAt = clock.now();
    while (this.paused && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    pacer.shift(clock.now() - pausedAt);
  }
}

/**
 * Creates a bounded file source (it reads nothing until `open`). Either
 * `openFileSource({ files, readOptions, … })` or `openFileSource(files, { readOptions, … })`.
 * Option problems (no files, clashing base names, unknown extension, bad speed) throw `ConfigError` here.
 */
export function openFileSource(options: FileSourceOptions): FileSource;
export function openFileSource(files: string | readonly string[], options?: Omit<FileSourceOptions, 'files'>): FileSource;
export function openFileSource(first: FileSourceOptions | string | readonly string[], rest: Omit<FileSourceOptions, 'files'> = {}): FileSource {
  if (typeof first === 'string') return new FileSource({ ...rest, files: [first] });
  if (isFileList(first)) return new FileSource({ ...rest, files: first });
  return new FileSource(first);
}

function isFileList(value: FileSourceOptions | readonly string[]): value is readonly string[] {
  return Array.isArray(value);
}
