// Golden test of the `nvda` topology on the real Nvidia files. Every expected figure is computed here by
// SQL in DuckDB over the input CSV: bars by GROUP BY; SMA and Bollinger by AVG / STDDEV_POP window
// frames; the EMA, MACD signal and Wilder RSI recursions by recursive CTEs written from issue 3's
// definitions. Nothing is shared with the topology's code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nvdaBarsTable, nvdaIndicatorsTable, nvdaSignalsTable } from '../../topologies/nvda/tables.js';
import { nvdaTopology } from '../../topologies/nvda/topology.js';
import { diffTables, expectOnlyParseErrors, goldenDbForFile, realDataDir, sqlPath, withReplay } from './golden-support.js';

const DATA = realDataDir('nvidia-stock');

const golden = goldenDbForFile();

/**
 * Loads a price file into `raw` (every field text, with its 1-based data row number as `line`), then
 * `prices` (rows whose time and prices all parse: ts in epoch ms) — the others are the expected dead letters.
 */
async function loadPrices(file: string): Promise<void> {
  const daily = file === 'NVDA.csv';
  // NVDA.csv: Yahoo layout, one header line. NVDA_5min.csv: three header lines (Price/Ticker/Datetime), time first.
  const read = daily
    ? `read_csv('${sqlPath(DATA, file)}', header = true, nullstr = ['', 'null'],
         columns = {'Date': 'VARCHAR', 'Open': 'VARCHAR', 'High': 'VARCHAR', 'Low': 'VARCHAR', 'Close': 'VARCHAR', 'Adj Close': 'VARCHAR', 'Volume': 'VARCHAR'})`
    : `read_csv('${sqlPath(DATA, file)}', header = false, skip = 3, nullstr = '',
         columns = {'Date': 'VARCHAR', 'Close': 'VARCHAR', 'High': 'VARCHAR', 'Low': 'VARCHAR', 'Open': 'VARCHAR', 'Volume': 'VARCHAR'})`;
  await golden.db.run(`
    CREATE OR REPLACE TABLE raw AS
      SELECT row_number() OVER () AS line, 'NVDA' AS symbol,
             epoch_ms(TRY_CAST("Date" AS TIMESTAMPTZ)) AS ts,
             TRY_CAST("Open" AS DOUBLE) AS open, TRY_CAST("High" AS DOUBLE) AS high, TRY_CAST("Low" AS DOUBLE) AS low,
             TRY_CAST("Close" AS DOUBLE) AS close, TRY_CAST("Volume" AS DOUBLE) AS volume
      FROM ${read};
    CREATE OR REPLACE TABLE prices AS
      SELECT *, (high + low + close) / 3 AS typical FROM raw
      WHERE ts IS NOT NULL AND open IS NOT NULL AND high IS NOT NULL AND low IS NOT NULL AND close IS NOT NULL AND volume IS NOT NULL;
  `);
}

/** Loads a tick file (`ts,symbol,price,volume`) like `loadPrices`; an empty symbol is the default NVDA. */
async function loadTicks(dir: string, file: string): Promise<void> {
  await golden.db.run(`
    CREATE OR REPLACE TABLE raw AS
      SELECT row_number() OVER () AS line, coalesce(nullif(trim(symbol), ''), 'NVDA') AS symbol,
             epoch_ms(TRY_CAST(ts AS TIMESTAMPTZ)) AS ts, TRY_CAST(price AS DOUBLE) AS price, TRY_CAST(volume AS DOUBLE) AS volume
      FROM read_csv('${sqlPath(dir, file)}', header = true, nullstr = '',
                    columns = {'ts': 'VARCHAR', 'symbol': 'VARCHAR', 'price': 'VARCHAR', 'volume': 'VARCHAR'});
    CREATE OR REPLACE TABLE prices AS
      SELECT line, symbol, ts, price AS open, price AS high, price AS low, price AS close, volume, price AS typical FROM raw
      WHERE ts IS NOT NULL AND price IS NOT NULL AND volume IS NOT NULL;
  `);
}

/** The input's own period: smallest positive gap between consecutive bars of the file. */
async function ownPeriodMs(): Promise<number> {
  const [row] = await golden.db.rows(`
    SELECT min(gap) AS period FROM (SELECT ts - lag(ts) OVER (ORDER BY line) AS gap FROM prices) WHERE gap > 0`);
  return Number(row!['period']);
}

/** SQL for a bar's window start and end (epoch ms) from `ts`. */
function windowSql(bar: { periodMs: number } | '1w' | '1mo'): { start: string; end: string } {
  if (bar === '1w') {
    return { start: `epoch_ms(date_trunc('week', epoch_ms(ts)))`, end: `epoch_ms(date_trunc('week', epoch_ms(ts)) + INTERVAL 7 DAY)` };
  }
  if (bar === '1mo') {
    return { start: `epoch_ms(date_trunc('month', epoch_ms(ts)))`, end: `epoch_ms(date_trunc('month', epoch_ms(ts)) + INTERVAL 1 MONTH)` };
  }
  // The daily period (86 400 000 ms) floors to the UTC day and the five-minute one to epoch-aligned slots.
  return { start: `(ts // ${bar.periodMs}) * ${bar.periodMs}`, end: `(ts // ${bar.periodMs}) * ${bar.periodMs} + ${bar.periodMs}` };
}

/** Expected `nvda_bars` into table `exp_bars`: open/close first/last by (event time, file order). */
async function expectedBars(bar: { periodMs: number } | '1w' | '1mo'): Promise<void> {
  // Ticks: typical = price; bars: (high + low + close) / 3 (set when loading).
  const w = windowSql(bar);
  await golden.db.run(`
    CREATE OR REPLACE TABLE exp_bars AS
      SELECT symbol, window_start, window_end,
             first(open ORDER BY ts, line) AS open, max(high) AS high, min(low) AS low,
             first(close ORDER BY ts DESC, line DESC) AS close,
             sum(volume) AS volume,
             CASE WHEN sum(volume) = 0 THEN NULL ELSE sum(typical * volume) / sum(volume) END AS vwap,
             count(*) AS bars
      FROM (SELECT *, ${w.start} AS window_start, ${w.end} AS window_end FROM prices)
      GROUP BY symbol, window_start, window_end`);
}

/** Expected `nvda_indicators` (table `exp_ind`) and `nvda_signals` from `exp_bars`. */
async function expectedIndicators(): Promise<void> {
  const frame = (n: number): string => `OVER (PARTITION BY symbol ORDER BY n ROWS BETWEEN ${n - 1} PRECEDING AND CURRENT ROW)`;
  const sma = (n: number): string => `CASE WHEN n >= ${n} THEN avg(close) ${frame(n)} END`;
  const alpha = (n: number): string => `(2::DOUBLE / ${n + 1})`;
  await golden.db.run(`
    CREATE OR REPLACE TABLE b AS
      SELECT row_number() OVER (PARTITION BY symbol ORDER BY window_start) AS n, symbol, window_start, close FROM exp_bars;
    CREATE OR REPLACE TABLE w AS
      SELECT *,
             ${sma(12)} AS sma_12, ${sma(20)} AS sma_20, ${sma(26)} AS sma_26, ${sma(50)} AS sma_50, ${sma(200)} AS sma_200,
             CASE WHEN n >= 20 THEN stddev_pop(close) ${frame(20)} END AS sd_20,
             greatest(close - lag(close) OVER (PARTITION BY symbol ORDER BY n), 0) AS gain,
             greatest(lag(close) OVER (PARTITION BY symbol ORDER BY n) - close, 0) AS loss
      FROM b;
    -- First RSI averages: plain means of the first 14 changes (bars 2..15).
    CREATE OR REPLACE TABLE w2 AS
      SELECT *,
             CASE WHEN n = 15 THEN avg(gain) ${frame(14)} END AS first_gain,
             CASE WHEN n = 15 THEN avg(loss) ${frame(14)} END AS first_loss
      FROM w;
    -- EMA_n seeded with SMA_n at bar n, then α·close + (1−α)·EMA; Wilder: avg = (prev·13 + current) / 14.
    CREATE OR REPLACE TABLE rec AS
      WITH RECURSIVE r(symbol, n, ema_12, ema_26, avg_gain, avg_loss) AS (
        SELECT symbol, n, NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE FROM w2 WHERE n = 1
        UNION ALL
        SELECT w2.symbol, w2.n,
               CASE WHEN w2.n = 12 THEN w2.sma_12 WHEN w2.n > 12 THEN ${alpha(12)} * w2.close + (1 - ${alpha(12)}) * r.ema_12 END,
               CASE WHEN w2.n = 26 THEN w2.sma_26 WHEN w2.n > 26 THEN ${alpha(26)} * w2.close + (1 - ${alpha(26)}) * r.ema_26 END,
               CASE WHEN w2.n = 15 THEN w2.first_gain WHEN w2.n > 15 THEN (r.avg_gain * 13 + w2.gain) / 14 END,
               CASE WHEN w2.n = 15 THEN w2.first_loss WHEN w2.n > 15 THEN (r.avg_loss * 13 + w2.loss) / 14 END
        FROM r JOIN w2 ON w2.symbol = r.symbol AND w2.n = r.n + 1
      )
      SELECT *, ema_12 - ema_26 AS macd FROM r;
    -- The signal line: EMA_9 of macd seeded with the mean of the first 9 macd values (bars 26..34).
    CREATE OR REPLACE TABLE m AS
      SELECT symbol, n, macd, CASE WHEN n = 34 THEN avg(macd) ${frame(9)} END AS first_signal FROM rec;
    CREATE OR REPLACE TABLE sig AS
      WITH RECURSIVE s(symbol, n, macd_signal) AS (
        SELECT symbol, n, NULL::DOUBLE FROM m WHERE n = 1
        UNION ALL
        SELECT m.symbol, m.n, CASE WHEN m.n = 34 THEN m.first_signal WHEN m.n > 34 THEN ${alpha(9)} * m.macd + (1 - ${alpha(9)}) * s.macd_signal END
        FROM s JOIN m ON m.symbol = s.symbol AND m.n = s.n + 1
      )
      SELECT * FROM s;
    CREATE OR REPLACE TABLE exp_ind AS
      SELECT w2.n, w2.symbol, w2.window_start, w2.close, w2.sma_20, w2.sma_50, w2.sma_200,
             rec.ema_12, rec.ema_26, rec.macd, sig.macd_signal, rec.macd - sig.macd_signal AS macd_hist,
             CASE WHEN rec.avg_loss IS NULL THEN NULL WHEN rec.avg_loss = 0 THEN 100 ELSE 100 - 100 / (1 + rec.avg_gain / rec.avg_loss) END AS rsi_14,
             w2.sma_20 AS bb_mid, w2.sma_20 + 2 * w2.sd_20 AS bb_upper, w2.sma_20 - 2 * w2.sd_20 AS bb_lower
      FROM w2 JOIN rec USING (symbol, n) JOIN sig USING (symbol, n);
    CREATE OR REPLACE TABLE exp_sig AS
      SELECT symbol, window_start AS time, signal, close, sma_50, sma_200 FROM (
        SELECT *, CASE
                    WHEN p50 <= p200 AND sma_50 > sma_200 THEN 'golden_cross'
                    WHEN p50 >= p200 AND sma_50 < sma_200 THEN 'death_cross'
                  END AS signal
        FROM (SELECT *, lag(sma_50) OVER (PARTITION BY symbol ORDER BY n) AS p50, lag(sma_200) OVER (PARTITION BY symbol ORDER BY n) AS p200 FROM exp_ind))
      WHERE signal IS NOT NULL;
  `);
}

interface GoldenCase {
  readonly title: string;
  readonly file: string;
  readonly bar?: '1w' | '1mo';
}

const cases: readonly GoldenCase[] = [
  { title: 'NVDA.csv, default bar (the daily period)', file: 'NVDA.csv' },
  { title: 'NVDA_5min.csv, default bar (the five-minute period)', file: 'NVDA_5min.csv' },
  { title: 'NVDA.csv, --bar 1w (ISO weeks)', file: 'NVDA.csv', bar: '1w' },
  { title: 'NVDA.csv, --bar 1mo (calendar months)', file: 'NVDA.csv', bar: '1mo' },
];

describe('nvda golden (real Nvidia files vs DuckDB)', () => {
  for (const c of cases) {
    it(c.title, async () => {
      await withReplay(nvdaTopology, DATA, { files: { prices: c.file }, ...(c.bar === undefined ? {} : { options: { bar: c.bar } }) }, async (run) => {
        await loadPrices(c.file);
        // Bars arrive in time order: no record is ever behind the latest one, so the 1-minute
        // out-of-orderness drops nothing and the late count must be 0.
        expect(await golden.db.maxDisorder('prices', 'ts')).toBeLessThanOrEqual(60_000);
        expect(run.result.late).toBe(0);

        const [bad] = await golden.db.rows(`SELECT (SELECT count(*) FROM raw) - (SELECT count(*) FROM prices) AS n`);
        const expectedDeadLetters = Number(bad!['n']);
        await expectOnlyParseErrors(golden.db, run, expectedDeadLetters);

        let bar: { periodMs: number } | '1w' | '1mo';
        if (c.bar === undefined) {
          const periodMs = await ownPeriodMs();
          expect(periodMs).toBe(c.file === 'NVDA.csv' ? 86_400_000 : 300_000);
          bar = { periodMs };
        } else bar = c.bar;
        await expectedBars(bar);
        await expectedIndicators();

        const expectedBarRows = await golden.db.rows(`SELECT * FROM exp_bars`);
        const expectedIndicatorRows = await golden.db.rows(`SELECT * EXCLUDE (n) FROM exp_ind`);
        const expectedSignalRows = await golden.db.rows(`SELECT * FROM exp_sig`);
        const bars = await golden.db.outputTable(run.dir, nvdaBarsTable);
        const indicators = await golden.db.outputTable(run.dir, nvdaIndicatorsTable);
        const signals = await golden.db.outputTable(run.dir, nvdaSignalsTable);

        expect(diffTables(nvdaBarsTable, bars, expectedBarRows)).toEqual([]);
        expect(diffTables(nvdaIndicatorsTable, indicators, expectedIndicatorRows)).toEqual([]);
        expect(diffTables(nvdaSignalsTable, signals, expectedSignalRows)).toEqual([]);
        expect(bars.length).toBeGreaterThan(0);
        expect(indicators).toHaveLength(bars.length);
        console.log(`nvda ${c.title}: nvda_bars ${bars.length}, nvda_indicators ${indicators.length}, nvda_signals ${signals.length}, dead letters ${expectedDeadLetters}`);
      });
    });
  }

  it('a tick file (synthetic: two symbols, empty symbols, zone offsets, ties, jitter, bad rows) through the real reader', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'golden-nvda-ticks-'));
    try {
      await writeFile(join(dataDir, 'ticks.csv'), syntheticTicks());
      await withReplay(nvdaTopology, dataDir, { files: { prices: 'ticks.csv' } }, async (run) => {
        await loadTicks(dataDir, 'ticks.csv');
        const disorder = await golden.db.maxDisorder('prices', 'ts');
        expect(disorder).toBeGreaterThan(0);
        expect(disorder).toBeLessThanOrEqual(60_000);
        expect(run.result.late).toBe(0);
        const [bad] = await golden.db.rows(`SELECT (SELECT count(*) FROM raw) - (SELECT count(*) FROM prices) AS n`);
        expect(Number(bad!['n'])).toBe(2);
        expect((await golden.db.deadLetters(run.dir)).byReason).toEqual({ parse_error: 2 });

        await expectedBars({ periodMs: 60_000 }); // ticks default to 1-minute bars
        await expectedIndicators();
        const bars = await golden.db.outputTable(run.dir, nvdaBarsTable);
        const indicators = await golden.db.outputTable(run.dir, nvdaIndicatorsTable);
        const signals = await golden.db.outputTable(run.dir, nvdaSignalsTable);
        expect(diffTables(nvdaBarsTable, bars, await golden.db.rows(`SELECT * FROM exp_bars`))).toEqual([]);
        expect(diffTables(nvdaIndicatorsTable, indicators, await golden.db.rows(`SELECT * EXCLUDE (n) FROM exp_ind`))).toEqual([]);
        expect(diffTables(nvdaSignalsTable, signals, await golden.db.rows(`SELECT * FROM exp_sig`))).toEqual([]);
        expect(new Set(bars.map((b) => b['symbol']))).toEqual(new Set(['NVDA', 'AMD']));
        expect(bars.some((b) => b['vwap'] === null)).toBe(true);
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * A deterministic tick file: NVDA and AMD over 420 minutes, 1–4 ticks a minute each, some with an empty
 * symbol (the default NVDA), times written with `Z`, `+00:00` or `-05:00`, repeated timestamps (ties broken
 * by line), neighbours swapped up to 30 s out of order, one AMD minute without volume, and two bad rows.
 */
function syntheticTicks(): string {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const start = Date.parse('2024-01-02T14:30:00Z');
  const price: Record<string, number> = { NVDA: 480, AMD: 140 };
  const ticks: { t: number; symbol: string; price: number; volume: number }[] = [];
  for (let minute = 0; minute < 420; minute++) {
    for (const symbol of ['NVDA', 'AMD']) {
      const count = 1 + Math.floor(random() * 4);
      let t = start + minute * 60_000 + Math.floor(random() * 20) * 1000;
      for (let i = 0; i < count; i++) {
        if (random() >= 0.2) t = Math.min(t + Math.floor(random() * 15) * 1000, start + minute * 60_000 + 59_000);
        price[symbol] = Math.round((price[symbol]! + (random() - 0.5) * 2) * 100) / 100;
        const volume = symbol === 'AMD' && minute === 100 ? 0 : Math.floor(random() * 500);
        ticks.push({ t, symbol, price: price[symbol]!, volume });
      }
    }
  }
  ticks.sort((a, b) => a.t - b.t);
  for (let i = 1; i < ticks.length; i++) {
    if (random() < 0.1 && ticks[i]!.t - ticks[i - 1]!.t <= 30_000) [ticks[i - 1], ticks[i]] = [ticks[i]!, ticks[i - 1]!];
  }
  const format = (t: number, k: number): string => {
    const iso = new Date(t).toISOString();
    if (k % 3 === 0) return iso;
    if (k % 3 === 1) return `${iso.slice(0, 19)}+00:00`;
    return `${new Date(t - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;
  };
  const lines = ticks.map((tick, k) => `${format(tick.t, k)},${tick.symbol === 'NVDA' && k % 7 === 0 ? '' : tick.symbol},${tick.price},${tick.volume}`);
  lines.splice(50, 0, `${format(start + 60_000, 0)},NVDA,abc,10`);
  lines.splice(500, 0, `${format(start + 480_000, 0)},AMD,141.5,`);
  return `ts,symbol,price,volume\n${lines.join('\n')}\n`;
}
