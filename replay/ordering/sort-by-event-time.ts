import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionId, type Cell, type Row, type StreamRecord } from '../../engine/index.js';
import { ChunkedFileReader, type ChunkParser } from '../formats/chunked-file.js';
import { MinHeap } from './min-heap.js';
import type { BatchReader, OrderedBatch } from './ordered-batch.js';

/** How the event-time sort may use memory and disk. */
export interface SortOptions {
  readonly batchSize: number;
  /** Estimated bytes of records held in memory before a sorted run is written to disk. */
  readonly memoryBudgetBytes: number;
  /** Where run files go (a fresh folder inside it, removed afterwards); default the OS temp folder. */
  readonly tempDir?: string;
  /** Called once every input is read, with the number of records that will be emitted. */
  readonly onLoaded?: (records: number) => void;
  /** Called after each run is written (for tests and logs). */
  readonly onSpill?: (runs: number) => void;
}

/** Record size estimate: per-record object overhead plus the strings' and numbers' share of raw bytes. */
const RECORD_OVERHEAD = 160;
const BYTES_FACTOR = 3;
/** Runs merged at once; more runs are first merged in groups (multi-pass) to bound open files. */
const MAX_FAN_IN = 64;

/**
 * Event-time order over every input: a stable sort by event time, ties kept in (file, line) order.
 * Inputs whose estimated in-memory size fits `memoryBudgetBytes` are sorted in memory; larger ones
 * go through an external merge sort: sorted runs written as JSON lines to temp files, then a k-way
 * merge. Both paths give the same order. Each file's partition id is listed in the batch holding
 * its last record (or the first batch, for a file without records).
 */
export async function* sortByEventTime(readers: readonly BatchReader[], options: SortOptions): AsyncGenerator<OrderedBatch> {
  const names = readers.map((r) => r.name);
  const fileIndex = new Map(names.map((name, i) => [name, i]));
  const remaining = new Array<number>(readers.length).fill(0);
  let buffer: StreamRecord<Row>[] = [];
  let estimate = 0;
  let dir: string | undefined;
  const runs: string[] = [];
  try {
    for (const reader of readers) {
      const index = fileIndex.get(reader.name)!;
      let before = bytesOf(reader);
      for (;;) {
        const { records, last } = await reader.next(options.batchSize);
        const after = bytesOf(reader);
        remaining[index]! += records.length;
        for (const record of records) buffer.push(record);
        estimate += records.length * RECORD_OVERHEAD + (after - before) * BYTES_FACTOR;
        before = after;
        if (estimate >= options.memoryBudgetBytes && buffer.length > 0) {
          dir ??= await mkdtemp(join(options.tempDir ?? tmpdir(), 'cloudpulse-sort-'));
          runs.push(await writeRun(dir, runs.length, sortStable(buffer), fileIndex));
          options.onSpill?.(runs.length);
          buffer = [];
          estimate = 0;
        }
        if (last) break;
      }
    }
    options.onLoaded?.(remaining.reduce((a, b) => a + b, 0));

    let ended = names.filter((_, i) => remaining[i] === 0).map((name) => idOf(name));
    let out: StreamRecord<Row>[] = [];
    const take = (record: StreamRecord<Row>, index: number): void => {
      out.push(record);
      if (--remaining[index]! === 0) ended.push(idOf(names[index]!));
    };

    if (runs.length === 0) {
      sortStable(buffer);
      for (const record of buffer) {
        take(record, fileIndex.get(record.position.source)!);
        if (out.length >= options.batchSize) {
          yield { records: out, ended };
          out = [];
          ended = [];
        }
      }
    } else {
      if (buffer.length > 0) runs.push(await writeRun(dir!, runs.length, sortStable(buffer), fileIndex));
      buffer = [];
      let runFiles = runs;
      for (let pass = 1; runFiles.length > MAX_FAN_IN; pass++) runFiles = await mergeRunGroups(dir!, pass, runFiles, names, options);
      for await (const [record, index] of mergeRuns(runFiles, names, chunkFor(options.memoryBudgetBytes, runFiles.length))) {
        take(record, index);
        if (out.length >= options.batchSize) {
          yield { records: out, ended };
          out = [];
          ended = [];
        }
      }
    }
    if (out.length > 0 || ended.length > 0) yield { records: out, ended };
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

function idOf(name: string): string {
  return partitionId({ source: name, partition: name });
}

function bytesOf(reader: BatchReader): number {
  return reader.bytesRead?.() ?? 0;
}

/** Array#sort is stable, and records arrive in (file, line) order, so ties keep that order. */
function sortStable(records: StreamRecord<Row>[]): StreamRecord<Row>[] {
  return records.sort((a, b) => a.eventTime - b.eventTime);
}

function chunkFor(budget: number, runs: number): number {
  return Math.min(1 << 20, Math.max(16 * 1024, Math.floor(budget / Math.max(1, runs))));
}

/** A run line: `[eventTime, fileIndex, offset, key, row]`. */
type RunLine = [number, number, number, string | null, Record<string, Cell>];

async function writeRun(dir: string, n: number, records: readonly StreamRecord<Row>[], fileIndex: ReadonlyMap<string, number>): Promise<string> {
  const path = join(dir, `run-${String(n).padStart(6, '0')}.jsonl`);
  const writer = await RunWriter.create(path);
  for (const r of records) {
    writer.add([r.eventTime, fileIndex.get(r.position.source)!, r.position.offset, r.key ?? null, r.value]);
    if (writer.full) await writer.flush();
  }
  await writer.close();
  return path;
}

/** Appends run lines through a ~1 MiB string buffer. */
class RunWriter {
  private parts: string[] = [];
  private size = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<RunWriter> {
    return new RunWriter(await open(path, 'w'));
  }

  add(line: RunLine): void {
    const text = JSON.stringify(line);
    this.parts.push(text, '\n');
    this.size += text.length + 1;
  }

  get full(): boolean {
    return this.size >= 1 << 20;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    await this.handle.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

/** Reads a run file back into records (positions rebuilt from the file names). */
class RunParser implements ChunkParser {
  readonly fileIndexes: number[] = [];

  constructor(private readonly names: readonly string[]) {}

  parse(buf: Buffer, start: number, end: number, eof: boolean, out: StreamRecord<Row>[], max: number): number {
    let pos = start;
    while (out.length < max && pos < end) {
      let lineEnd = buf.indexOf(10, pos);
      if (lineEnd === -1 || lineEnd >= end) {
        if (!eof) return pos;
        lineEnd = end;
      }
      if (lineEnd > pos) {
        const [eventTime, index, offset, key, value] = JSON.parse(buf.toString('utf8', pos, lineEnd)) as RunLine;
        const name = this.names[index]!;
        out.push({ value, eventTime, key: key ?? undefined, position: { source: name, partition: name, offset } });
        this.fileIndexes.push(index);
      }
      pos = lineEnd + 1;
    }
    return Math.min(pos, end);
  }
}

interface RunCursor {
  readonly reader: ChunkedFileReader;
  readonly parser: RunParser;
  readonly order: number;
  batch: StreamRecord<Row>[];
  indexes: number[];
  at: number;
  last: boolean;
}

/** K-way merge of sorted runs by (event time, run order): the same order as one stable sort. */
async function* mergeRuns(paths: readonly string[], names: readonly string[], chunkBytes: number): AsyncGenerator<[StreamRecord<Row>, number]> {
  const cursors: RunCursor[] = [];
  try {
    for (const [order, path] of paths.entries()) {
      const parser = new RunParser(names);
      const reader = await ChunkedFileReader.open(path, () => parser, { chunkBytes, skipUtf8Bom: false });
      cursors.push({ reader, parser, order, batch: [], indexes: [], at: 0, last: false });
    }
    const heap = new MinHeap<RunCursor>((a, b) => {
      const ta = a.batch[a.at]!.eventTime;
      const tb = b.batch[b.at]!.eventTime;
      return ta < tb || (ta === tb && a.order < b.order);
    });
    for (const cursor of cursors) if (await advance(cursor)) heap.push(cursor);
    for (;;) {
      const cursor = heap.peek();
      if (cursor === undefined) return;
      yield [cursor.batch[cursor.at]!, cursor.indexes[cursor.at]!];
      cursor.at++;
      if (cursor.at < cursor.batch.length || (await advance(cursor))) heap.replaceTop();
      else heap.pop();
    }
  } finally {
    for (const cursor of cursors) await cursor.reader.close();
  }
}

/** Loads the next batch of a run cursor; false when the run is exhausted. */
async function advance(cursor: RunCursor): Promise<boolean> {
  while (!cursor.last) {
    cursor.parser.fileIndexes.length = 0;
    const { records, last } = await cursor.reader.next(1000);
    cursor.batch = records;
    cursor.indexes = cursor.parser.fileIndexes.slice();
    cursor.at = 0;
    cursor.last = last;
    if (records.length > 0) return true;
  }
  return false;
}

/** One pass of a multi-pass merge: every group of MAX_FAN_IN runs becomes one run. */
async function mergeRunGroups(dir: string, pass: number, runs: readonly string[], names: readonly string[], options: SortOptions): Promise<string[]> {
  const merged: string[] = [];
  for (let start = 0; start < runs.length; start += MAX_FAN_IN) {
    const group = runs.slice(start, start + MAX_FAN_IN);
    const path = join(dir, `merged-${pass}-${String(start).padStart(6, '0')}.jsonl`);
    const writer = await RunWriter.create(path);
    for await (const [r, index] of mergeRuns(group, names, chunkFor(options.memoryBudgetBytes, group.length))) {
      writer.add([r.eventTime, index, r.position.offset, r.key ?? null, r.value]);
      if (writer.full) await writer.flush();
    }
    await writer.close();
    for (const run of group) await rm(run, { force: true });
    merged.push(path);
  }
  return merged;
}
