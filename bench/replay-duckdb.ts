import { DuckDBInstance } from '@duckdb/node-api';
import type { BarWindow, ContenderResult } from './replay-windows.js';

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * How DuckDB picks open and close. `file-order`: by (ts, line) with `line` from `row_number() OVER ()`
 * (file order), the same tie rule as every other contender: the generated ticks have symbols with
 * two ticks in one millisecond, where `arg_min(price, ts)` alone picks either. The pair is packed
 * into one BIGINT, ms within the minute × 2^32 + line (exact below 2^32 lines), because a struct key
 * `(ts, line)` measured about 30% slower here. `row_number() OVER ()` keeps the scan in file order,
 * which leaves a second thread little to do. `ts-only`: `arg_min/arg_max(price, ts)`, ties arbitrary;
 * shown for what the tie rule costs DuckDB, not held to the same windows.
 */
export type DuckDbTieRule = 'file-order' | 'ts-only';

/**
 * Baseline (c): DuckDB reading the CSV with declared column types and grouping by symbol and
 * `time_bucket(INTERVAL 1 minute, ts)`, with `arg_min`/`arg_max` for open/close; the result's
 * vectors are read back into JS tuples. The instance and connection are made here, before the clock
 * starts: `run` (the query and the read-back) is what is timed.
 */
export async function prepareDuckDb(file: string, threads: number, ties: DuckDbTieRule): Promise<{ run: () => Promise<ContenderResult>; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  const input = `read_csv(${sqlString(file)}, header = true, columns = {'ts': 'TIMESTAMP', 'symbol': 'VARCHAR', 'price': 'DOUBLE', 'volume': 'BIGINT'})`;
  const order = ties === 'file-order' ? '(epoch_ms(ts) % 60000) * 4294967296 + line' : 'ts';
  const sql = `
    SELECT symbol,
           epoch_ms(time_bucket(INTERVAL 1 minute, ts)) AS window_start,
           arg_min(price, ${order}) AS open,
           max(price) AS high,
           min(price) AS low,
           arg_max(price, ${order}) AS close,
           sum(volume)::DOUBLE AS volume,
           sum(price * volume) / sum(volume) AS vwap,
           count(*)::INTEGER AS n
    FROM ${ties === 'file-order' ? `(SELECT row_number() OVER () AS line, * FROM ${input})` : input}
    GROUP BY ALL`;
  const run = async (): Promise<ContenderResult> => {
    const result = await connection.run(sql);
    const windows: BarWindow[] = [];
    let records = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const symbol = chunk.getColumnVector(0);
      const start = chunk.getColumnVector(1);
      const values = [2, 3, 4, 5, 6, 7, 8].map((i) => chunk.getColumnVector(i));
      const [open, high, low, close, volume, vwap, n] = values;
      for (let j = 0; j < chunk.rowCount; j++) {
        const count = n!.getItem(j) as number;
        records += count;
        windows.push([
          String(symbol.getItem(j)),
          Number(start.getItem(j)),
          open!.getItem(j) as number,
          high!.getItem(j) as number,
          low!.getItem(j) as number,
          close!.getItem(j) as number,
          volume!.getItem(j) as number,
          vwap!.getItem(j) as number,
          count,
        ]);
      }
    }
    if (records >= 2 ** 32) throw new Error(`${records} rows: the packed (ms, line) key holds lines below 2^32 only`);
    return { records, windows: () => windows };
  };
  return {
    run,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
