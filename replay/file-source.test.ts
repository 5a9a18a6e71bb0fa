import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  EngineEvents,
  partitionId,
  VirtualClock,
  type DeadLetter,
  type EngineEvent,
  type ReadOptions,
  type Row,
  type SourceContext,
  type SourcePosition,
  type StreamBatch,
} from '../engine/index.js';
import { openFileSource, type FileSource } from './file-source.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpulse-file-source-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  readonly ctx: SourceContext;
  readonly letters: DeadLetter[];
  readonly events: EngineEvent[];
  readonly clock: VirtualClock;
}

function harness(resumeFrom: readonly SourcePosition[] = []): Harness {
  const letters: DeadLetter[] = [];
  const events: EngineEvent[] = [];
  const engineEvents = new EngineEvents();
  engineEvents.on((e) => events.push(e));
  const clock = new VirtualClock(1_000_000);
  return { ctx: { topology: 'test', clock, events: engineEvents, deadLetter: (l) => letters.push(l), resumeFrom }, letters, events, clock };
}

async function readAll(source: FileSource, h: Harness): Promise<StreamBatch<Row>[]> {
  return lastValueFrom(source.open(h.ctx).pipe(toArray()));
}

/** Lets pending I/O and promise callbacks run (a bounded number of event-loop turns). */
async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits (on real I/O, up to 10 s) until the condition holds; fails the test otherwise. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}

/** A CSV of `n` rows `ts,symbol,v` one second apart starting at `start` (ms), `v` = row number. */
function ticks(n: number, start = Date.UTC(2024, 0, 2, 14, 30), symbol = 'NVDA', stepMs = 1000): string {
  let text = 'ts,symbol,v\n';
  for (let i = 1; i <= n; i++) text += `${new Date(start + (i - 1) * stepMs).toISOString()},${symbol},${i}\n`;
  return text;
}

const tickOptions: ReadOptions = { fields: [{ name: 'ts', type: 'timestamp' }, { name: 'v', type: 'integer' }], eventTime: 'ts', key: 'symbol' };

describe('file source: batches, end of partitions, progress', () => {
  it('emits every row in batches of batchSize, marks the end on the last batch and reports progress', async () => {
    const file = join(dir, 'ticks.csv');
    await writeFile(file, ticks(2500));
    const h = harness();
    const source = openFileSource([file], { readOptions: tickOptions, batchSize: 1000, chunkBytes: 4096 });
    const batches = await readAll(source, h);
    expect(batches.map((b) => b.records.length)).toEqual([1000, 1000, 500]);
    expect(batches.map((b) => b.endOfPartitions)).toEqual([undefined, undefined, [partitionId({ source: 'ticks.csv', partition: 'ticks.csv' })]]);
    const values = batches.flatMap((b) => b.records.map((r) => r.value.v));
    expect(values).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(batches[0]!.records[0]!.position).toEqual({ source: 'ticks.csv', partition: 'ticks.csv', offset: 2 });
    expect(batches[0]!.records[0]!.key).toBe('NVDA');
    const progress = h.events.filter((e) => e.type === 'replay_progress');
    expect(progress.map((e) => e.rows)).toEqual([1000, 2000, 2500]);
    const last = progress.at(-1)!;
    expect(last.bytesRead).toBe(last.totalBytes);
    expect(last.totalBytes).toBe(Buffer.byteLength(ticks(2500)));
    expect(source.stats()).toEqual({ rows: 2500, bytesRead: last.totalBytes, totalBytes: last.totalBytes });
  });

  it('ends a header-only file with an empty batch that still marks its end', async () => {
    const file = join(dir, 'empty.csv');
    await writeFile(file, 'customer_id,customer_type_id\n');
    const batches = await readAll(openFileSource([file]), harness());
    expect(batches).toEqual([{ records: [], endOfPartitions: [partitionId({ source: 'empty.csv', partition: 'empty.csv' })] }]);
  });

  it('chooses read options per file from its name and first lines', async () => {
    const file = join(dir, 'NVDA_5min.csv');
    await writeFile(file, 'Price,Close\r\nTicker,NVDA\r\nDatetime,\r\n2025-06-11 13:30:00+00:00,144.5\r\n');
    const seen: [string, readonly string[]][] = [];
    const source = openFileSource({
      files: [file],
      readOptions: (name, firstLines) => {
        seen.push([name, firstLines]);
        return firstLines[1]?.startsWith('Ticker') === true ? { skipLines: [2, 3], fields: [{ name: 'Price', type: 'timestamp' }, { name: 'Close', type: 'number' }], eventTime: 'Price' } : {};
      },
    });
    const batches = await readAll(source, harness());
    expect(seen).toEqual([['NVDA_5min.csv', ['Price,Close', 'Ticker,NVDA', 'Datetime,', '2025-06-11 13:30:00+00:00,144.5']]]);
    expect(batches[0]!.records.map((r) => [r.value, r.eventTime, r.position.offset])).toEqual([[{ Price: Date.UTC(2025, 5, 11, 13, 30), Close: 144.5 }, Date.UTC(2025, 5, 11, 13, 30), 4]]);
  });

  it('sends unreadable rows to the context dead-letter output and goes on', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'ts,symbol,v\n2024-01-02T14:30:00Z,NVDA,1\n2024-01-02T14:30:01Z,NVDA,x\n2024-01-02T14:30:02Z,NVDA\n2024-01-02T14:30:03Z,NVDA,4\n');
    const h = harness();
    const batches = await readAll(openFileSource([file], { readOptions: tickOptions }), h);
    expect(batches.flatMap((b) => b.records.map((r) => r.value.v))).toEqual([1, 4]);
    expect(h.letters.map((l) => [`${l.position.source}:${l.position.offset}`, l.field, l.reason])).toEqual([['bad.csv:3', 'v', 'parse_error'], ['bad.csv:4', undefined, 'parse_error']]);
  });
});

describe('file source: resume and commit', () => {
  it('skips records at or below the resume position and does not dead-letter them again', async () => {
    const file = join(dir, 'ticks.csv');
    await writeFile(file, ticks(10).replace('NVDA,3\n', 'NVDA,bad\n'));
    const h = harness([{ source: 'ticks.csv', partition: 'ticks.csv', offset: 6 }, { source: 'other.csv', partition: 'other.csv', offset: 99 }]);
    const batches = await readAll(openFileSource([file], { readOptions: tickOptions }), h);
    const records = batches.flatMap((b) => b.records);
    expect(records.map((r) => r.position.offset)).toEqual([7, 8, 9, 10, 11]);
    expect(records.map((r) => r.value.v)).toEqual([6, 7, 8, 9, 10]);
    expect(h.letters).toEqual([]);
    expect(batches.at(-1)!.endOfPartitions).toEqual([partitionId({ source: 'ticks.csv', partition: 'ticks.csv' })]);
  });

  it('keeps the highest committed line per file in a checkpoint file and resumes from it', async () => {
    const file = join(dir, 'ticks.csv');
    const checkpointFile = join(dir, 'checkpoint.json');
    await writeFile(file, ticks(20));
    const first = openFileSource([file], { readOptions: tickOptions, checkpointFile });
    await readAll(first, harness());
    await first.commit([{ source: 'ticks.csv', partition: 'ticks.csv', offset: 9 }]);
    await first.commit([{ source: 'ticks.csv', partition: 'ticks.csv', offset: 5 }, { source: 'elsewhere', partition: '0', offset: 3 }]);
    expect(first.committedPositions()).toEqual([{ source: 'ticks.csv', partition: 'ticks.csv', offset: 9 }]);
    expect(JSON.parse(await readFile(checkpointFile, 'utf8'))).toEqual({ positions: [{ source: 'ticks.csv', partition: 'ticks.csv', offset: 9 }] });

    const second = openFileSource([file], { readOptions: tickOptions, checkpointFile });
    const records = (await readAll(second, harness())).flatMap((b) => b.records);
    expect(records[0]!.position.offset).toBe(10);
    expect(records).toHaveLength(12);
  });
});

describe('file source: backpressure', () => {
  it('stops reading while paused and carries on after resume', async () => {
    const file = join(dir, 'ticks.csv');
    await writeFile(file, ticks(5000));
    const h = harness();
    const source = openFileSource([file], { readOptions: tickOptions, batchSize: 100, chunkBytes: 1024 });
    const received: number[] = [];
    let done = false;
    source.open(h.ctx).subscribe({
      next: (batch) => {
        received.push(batch.records.length);
        if (received.length === 3) source.pause();
      },
      complete: () => {
        done = true;
      },
    });
    await until(() => received.length === 3);
    const bytesAtPause = source.stats().bytesRead;
    await settle(200);
    expect(received).toHaveLength(3);
    expect(source.stats().bytesRead).toBe(bytesAtPause);
    expect(bytesAtPause).toBeLessThan(source.stats().totalBytes);
    source.resume();
    await until(() => done);
    expect(received.reduce((a, b) => a + b, 0)).toBe(5000);
  });

  it('close() stops a running replay and completes the stream', async () => {
    const file = join(dir, 'ticks.csv');
    await writeFile(file, ticks(5000));
    const source = openFileSource([file], { readOptions: tickOptions, batchSize: 100 });
    let batches = 0;
    let completed = false;
    source.open(harness().ctx).subscribe({
      next: () => {
        batches++;
        if (batches === 2) source.pause();
      },
      complete: () => {
        completed = true;
      },
    });
    await until(() => batches === 2);
    await source.close();
    await until(() => completed);
    expect(batches).toBe(2);
  });
});

describe('file source: ordering', () => {
  it('merges several files by event time in file mode, each file in its own order, and ends each partition', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const t0 = Date.UTC(2024, 0, 2);
    await writeFile(a, `ts,v\n${[0, 2, 4, 6].map((s) => `${new Date(t0 + s * 1000).toISOString()},a${s}`).join('\n')}\n`);
    await writeFile(b, `ts,v\n${[1, 3, 5, 7, 9, 11].map((s) => `${new Date(t0 + s * 1000).toISOString()},b${s}`).join('\n')}\n`);
    const batches = await readAll(openFileSource([a, b], { readOptions: { eventTime: 'ts' }, batchSize: 3 }), harness());
    expect(batches.map((x) => x.records.map((r) => r.value.v))).toEqual([['a0', 'b1', 'a2'], ['b3', 'a4', 'b5'], ['a6', 'b7', 'b9'], ['b11']]);
    expect(batches.map((x) => x.endOfPartitions)).toEqual([undefined, undefined, [partitionId({ source: 'a.csv', partition: 'a.csv' })], [partitionId({ source: 'b.csv', partition: 'b.csv' })]]);
  });

  it('keeps file order in file mode even when event time goes backwards', async () => {
    const file = join(dir, 'late.csv');
    await writeFile(file, 'ts,v\n2024-01-01T00:00:05Z,1\n2024-01-01T00:00:01Z,2\n2024-01-01T00:00:09Z,3\n');
    const records = (await readAll(openFileSource([file], { readOptions: { eventTime: 'ts' } }), harness())).flatMap((b) => b.records);
    expect(records.map((r) => r.value.v)).toEqual(['1', '2', '3']);
  });

  it('sorts by event time in event-time mode, in memory and through disk runs alike', async () => {
    // 3 files of shuffled seconds; ties (same second) across files must keep (file, line) order.
    const files: string[] = [];
    const expected: [number, string, number][] = [];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (const name of ['x.csv', 'y.csv', 'z.csv']) {
      let text = 'ts,v\n';
      for (let i = 0; i < 700; i++) {
        const second = Math.floor(random() * 400);
        text += `${new Date(Date.UTC(2024, 0, 1) + second * 1000).toISOString()},${name}-${i}\n`;
        expected.push([second, name, i + 2]);
      }
      await writeFile(join(dir, name), text);
      files.push(join(dir, name));
    }
    expected.sort((p, q) => p[0] - q[0] || p[1].localeCompare(q[1]) || p[2] - q[2]);
    const order = expected.map(([, name, line]) => `${name}:${line}`);

    const inMemory = await readAll(openFileSource(files, { readOptions: { eventTime: 'ts' }, ordering: 'event-time', batchSize: 500 }), harness());
    const spillDir = join(dir, 'spill');
    await mkdir(spillDir);
    const onDisk = await readAll(openFileSource(files, { readOptions: { eventTime: 'ts' }, ordering: 'event-time', batchSize: 500, memoryBudgetBytes: 20_000, tempDir: spillDir, chunkBytes: 2048 }), harness());
    for (const batches of [inMemory, onDisk]) {
      const records = batches.flatMap((b) => b.records);
      expect(records.map((r) => `${r.position.source}:${r.position.offset}`)).toEqual(order);
      expect(records.map((r) => r.value.v)).toEqual(expected.map(([, name, line]) => `${name}-${line - 2}`));
      const ends = batches.flatMap((b) => b.endOfPartitions ?? []);
      expect(ends.sort()).toEqual(['x.csv', 'y.csv', 'z.csv'].map((n) => partitionId({ source: n, partition: n })));
      // Each partition is marked ended in the batch holding its last record.
      for (const name of ['x.csv', 'y.csv', 'z.csv']) {
        const index = batches.findIndex((b) => b.endOfPartitions?.includes(partitionId({ source: name, partition: name })) === true);
        expect(batches[index]!.records.some((r) => r.position.source === name)).toBe(true);
        expect(batches.slice(index + 1).some((b) => b.records.some((r) => r.position.source === name))).toBe(false);
      }
    }
    expect(await readdir(spillDir)).toEqual([]);
  });

  it('drops records outside [from, to) and counts them as filtered', async () => {
    const file = join(dir, 'ticks.csv');
    const start = Date.UTC(2024, 0, 2, 14, 30);
    await writeFile(file, ticks(10, start));
    const h = harness();
    const source = openFileSource([file], { readOptions: tickOptions, from: start + 3000, to: start + 7000 });
    const records = (await readAll(source, h)).flatMap((b) => b.records);
    expect(records.map((r) => r.value.v)).toEqual([4, 5, 6, 7]);
    const filtered = h.events.filter((e) => e.type === 'filtered');
    expect(filtered.reduce((sum, e) => sum + e.count, 0)).toBe(6);
  });
});

describe('file source: pacing on the injected clock', () => {
  it('emits records at event time / speed on the virtual clock', async () => {
    const file = join(dir, 'ticks.csv');
    await writeFile(file, ticks(3, Date.UTC(2024, 0, 2, 14, 30), 'NVDA', 60_000));
    const h = harness();
    const source = openFileSource([file], { readOptions: tickOptions, speed: 60 });
    const seen: number[] = [];
    let completed = false;
    source.open(h.ctx).subscribe({
      next: (batch) => seen.push(...batch.records.map((r) => r.value.v as number)),
      complete: () => {
        completed = true;
      },
    });
    await until(() => seen.length === 1);
    await settle();
    expect(seen).toEqual([1]);
    h.clock.advance(999);
    await settle();
    expect(seen).toEqual([1]);
    h.clock.advance(1);
    await until(() => seen.length === 2);
    h.clock.advance(1000);
    await until(() => completed);
    expect(seen).toEqual([1, 2, 3]);
    const speeds = h.events.filter((e) => e.type === 'replay_progress').map((e) => e.speed);
    expect(speeds).toEqual([60, 60, 60]);
  });
});

describe('file source: configuration errors', () => {
  it('rejects bad options at creation, naming the option', () => {
    const error = (f: () => unknown): ConfigError => {
      try {
        f();
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected an error');
    };
    expect(error(() => openFileSource([])).path).toBe('files');
    expect(error(() => openFileSource(['/a/x.csv', '/b/x.csv'])).message).toContain('base name x.csv');
    expect(error(() => openFileSource(['/a/x.parquet'])).path).toBe('files');
    expect(error(() => openFileSource(['/a/x.csv'], { speed: 0 })).path).toBe('speed');
    expect(error(() => openFileSource(['/a/x.csv'], { from: 5, to: 5 })).path).toBe('to');
    expect(error(() => openFileSource(['/a/x.csv'], { batchSize: 0 })).path).toBe('batchSize');
    expect(error(() => openFileSource([])).constructor).toBe(ConfigError);
  });

  it('fails the stream with a ConfigError when a declared column is missing, and on a missing file', async () => {
    const file = join(dir, 'a.csv');
    await writeFile(file, 'x,y\n1,2\n');
    await expect(readAll(openFileSource([file], { readOptions: { fields: [{ name: 'price', type: 'number' }] } }), harness())).rejects.toThrow(/a\.csv has no column "price"/);
    await expect(readAll(openFileSource([join(dir, 'missing.csv')]), harness())).rejects.toThrow(/ENOENT/);
  });
});
