import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { lastValueFrom, reduce } from 'rxjs';
import { EngineEvents, systemClock, type ReadOptions } from '../engine/index.js';
import { generateTicks, openFileSource } from '../replay/index.js';

// Replays N tick rows (`ts,symbol,price,volume`) through the file source — read, parse, type, batch,
// emit — and compares with DuckDB reading and typing the same file single-threaded, and with a naive
// stdlib parser (split + Date.parse), all in the same run. Rounds alternate so load on the shared
// machine hits every contender alike; the best round of each is compared.

const ROUNDS = 5;

const tickOptions: ReadOptions = {
  fields: [{ name: 'ts', type: 'timestamp' }, { name: 'price', type: 'number' }, { name: 'volume', type: 'integer' }],
  eventTime: 'ts',
  key: 'symbol',
};

async function replayOurs(file: string): Promise<number> {
  const source = openFileSource([file], { readOptions: tickOptions });
  const ctx = { topology: 'bench', clock: systemClock, events: new EngineEvents(), deadLetter: () => undefined, resumeFrom: [] };
  return lastValueFrom(source.open(ctx).pipe(reduce((count, batch) => count + batch.records.length, 0)));
}

async function naiveSplit(file: string): Promise<number> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  let count = 0;
  let batch: unknown[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const [ts, symbol, price, volume] = line.split(',');
    const eventTime = Date.parse(ts!);
    batch.push({ value: { ts: eventTime, symbol, price: Number(price), volume: Number(volume) }, eventTime, key: symbol, position: { source: 'ticks.csv', partition: 'ticks.csv', offset: i + 1 } });
    if (batch.length === 1000) {
      count += batch.length;
      batch = [];
    }
  }
  return count + batch.length;
}

async function time(run: () => Promise<number>): Promise<{ seconds: number; rows: number }> {
  const start = process.hrtime.bigint();
  const rows = await run();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, rows };
}

/** The replay benchmark: prints rows/s per round, the best of each, and the ratios. */
export async function runReplayBench(): Promise<void> {
  const rows = Number(process.env.CLOUDPULSE_BENCH_ROWS ?? 2_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'cloudpulse-bench-'));
  try {
    const file = await generateTicks({ dir, seed: 20_240_102, rows, symbols: 8 });
    console.log(`${rows.toLocaleString('en-US')} tick rows generated in ${file}`);
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    const duckdb = async (): Promise<number> => {
      const result = await connection.runAndReadAll(
        `SELECT count(*) AS n, sum(price) AS p, sum(volume) AS v, max(ts) AS m, count(DISTINCT symbol) AS s
         FROM read_csv('${file}', header = true, columns = {'ts': 'TIMESTAMPTZ', 'symbol': 'VARCHAR', 'price': 'DOUBLE', 'volume': 'BIGINT'})`,
      );
      return Number(result.getRows()[0]![0]);
    };
    const contenders: [string, () => Promise<number>][] = [['cloudpulse file source', () => replayOurs(file)], ['duckdb read_csv, 1 thread', duckdb], ['stdlib split + Date.parse', () => naiveSplit(file)]];
    const best = new Map<string, number>();
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = [];
      for (const [name, run] of contenders) {
        const { seconds, rows: counted } = await time(run);
        if (counted !== rows) throw new Error(`${name} counted ${counted} rows, expected ${rows}`);
        const rate = rows / seconds;
        best.set(name, Math.max(best.get(name) ?? 0, rate));
        line.push(`${name} ${(rate / 1e6).toFixed(2)} M rows/s`);
      }
      console.log(`round ${round}: ${line.join(' | ')}`);
    }
    connection.closeSync();
    instance.closeSync();
    const ours = best.get('cloudpulse file source')!;
    for (const [name] of contenders) {
      const rate = best.get(name)!;
      console.log(`best ${name.padEnd(28)} ${(rate / 1e6).toFixed(2)} M rows/s  (cloudpulse ÷ this = ${(ours / rate).toFixed(2)}×)`);
    }
    const memory = process.memoryUsage();
    console.log(`memory: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
