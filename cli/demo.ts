import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { EngineEvents } from '../engine/index.js';
import { DeadLetterFileSink } from '../connectors/file/dead-letter-file-sink.js';
import { FileSink } from '../connectors/file/file-sink.js';
import {
  generateCrm,
  generateDailyBars,
  generateModelCars,
  generateNorthwind,
  generateSalaries,
  generateTicks,
  generateWorldBank,
  ProgressReporter,
} from '../replay/index.js';
import { findTopology } from '../topologies/index.js';
import { createSinks, type SinkTarget } from './create-sinks.js';
import { ExitCode } from './exit-codes.js';
import { runReplay } from './run-replay.js';
import { onStopSignals } from './stop-signals.js';

export interface DemoOptions {
  readonly out: string;
  /** 1 = a few seconds of data generation and replay on a laptop. */
  readonly scale: number;
  readonly seed: number;
  readonly log: Writable;
  /** Where the progress bar goes (stderr); undefined for none. */
  readonly progress?: Writable & { isTTY?: boolean };
  /** Engine events of every run (the metrics endpoint listens here); default: a fresh bus. */
  readonly events?: EngineEvents;
  /** Extra sinks beside the file sink (`--sink postgres://…`), one pipeline per run and data set. */
  readonly sinks?: readonly SinkTarget[];
}

interface DemoRun {
  readonly label: string;
  readonly topology: string;
  readonly dataset: string;
  readonly generate: (dir: string, seed: number, scale: number) => Promise<unknown>;
  readonly files?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
}

/** Every built-in topology over data the project generates in the real datasets' shapes. */
const runs: readonly DemoRun[] = [
  { label: 'nvda', topology: 'nvda', dataset: 'nvidia-stock', generate: (dir, seed, scale) => generateDailyBars({ dir, seed, rows: Math.round(5_000 * scale) }) },
  {
    label: 'nvda-ticks',
    topology: 'nvda',
    dataset: 'ticks',
    generate: (dir, seed, scale) => generateTicks({ dir, seed, rows: Math.round(200_000 * scale), symbols: 20, fileName: 'ticks.csv' }),
    files: { prices: 'ticks.csv' },
    options: { bar: '1m' },
  },
  { label: 'northwind', topology: 'northwind', dataset: 'northwind', generate: (dir, seed, scale) => generateNorthwind({ dir, seed, scale: 5 * scale }) },
  { label: 'modelcars', topology: 'modelcars', dataset: 'model-cars', generate: (dir, seed, scale) => generateModelCars({ dir, seed, scale: 5 * scale }) },
  { label: 'salaries', topology: 'salaries', dataset: 'data-jobs-salaries', generate: (dir, seed, scale) => generateSalaries({ dir, seed, rows: Math.round(20_000 * scale) }) },
  { label: 'world-economy', topology: 'world-economy', dataset: 'world-economic-indicators', generate: (dir, seed) => generateWorldBank({ dir, seed }) },
  { label: 'crm-pipeline', topology: 'crm-pipeline', dataset: 'crm-sales-opportunities', generate: (dir, seed, scale) => generateCrm({ dir, seed, rows: Math.round(20_000 * scale) }) },
];

/**
 * `cloudpulse demo`: generates seeded data for every built-in topology under `<out>/demo-data/`,
 * replays each through its topology into `<out>/<run>/`, and prints a summary with counts and rates.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { out, scale, seed, log } = options;
  const dataRoot = join(out, 'demo-data');
  // A bad --sink fails here, before any data is generated.
  createSinks(options.sinks ?? [], { out, format: 'csv', resume: false });
  const events = options.events ?? new EngineEvents();
  const stop = onStopSignals();
  const summary: string[][] = [['run', 'records', 'rows out', 'dead letters', 'late', 'seconds', 'records/s']];
  let totalRecords = 0;
  let totalSeconds = 0;
  try {
    for (const run of runs) {
      if (stop.signal.aborted) break;
      const dataDir = join(dataRoot, run.dataset);
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true });
      await run.generate(dataDir, seed, scale);

      const runOut = join(out, run.label);
      const progress = options.progress === undefined ? undefined : new ProgressReporter(options.progress, { label: run.label });
      const detachProgress = progress?.attach(events);
      const result = await runReplay({
        topology: findTopology(run.topology)!,
        dataDir,
        ...(run.files === undefined ? {} : { files: run.files }),
        ...(run.options === undefined ? {} : { options: run.options }),
        sinks: [
          new FileSink({ dir: runOut, format: 'csv', resume: false, fsync: false }),
          // The pipeline name carries seed and scale: the same data resumes after its stored positions, other data starts afresh.
          ...createSinks(options.sinks ?? [], { out: runOut, format: 'csv', resume: false, pipeline: `demo-${run.label}-seed${seed}-scale${scale}` }),
        ],
        deadLetterSink: new DeadLetterFileSink(join(runOut, 'dead_letter.csv'), { append: false, fsync: false }),
        events,
        signal: stop.signal,
      }).finally(() => {
        detachProgress?.();
        progress?.finish();
      });

      const seconds = result.elapsedMs / 1000;
      const rowsOut = Object.values(result.rowsOut).reduce((sum, n) => sum + n, 0);
      totalRecords += result.recordsIn;
      totalSeconds += seconds;
      summary.push([run.label, String(result.recordsIn), String(rowsOut), String(result.deadLetters.length), String(result.late), seconds.toFixed(2), String(Math.round(result.recordsIn / Math.max(seconds, 1e-3)))]);
    }
  } finally {
    stop.dispose();
  }
  summary.push(['total', String(totalRecords), '', '', '', totalSeconds.toFixed(2), String(Math.round(totalRecords / Math.max(totalSeconds, 1e-3)))]);
  const widths = summary[0]!.map((_, column) => Math.max(...summary.map((row) => row[column]!.length)));
  for (const row of summary) log.write(`${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}\n`);
  log.write(`\ntables in ${out}/<run>/<table>.csv, dead letters in ${out}/<run>/dead_letter.csv, generated inputs in ${dataRoot}\n`);
  return stop.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
}
