import { writeFile } from 'node:fs/promises';
import type { BarWindow, ContenderResult } from './replay-windows.js';

// One contender of the replay bench in its own process, so its peak RSS is its own:
//   node --import tsx bench/replay-contender.ts <contender> <ticks.csv> <result.json>
// Writes a ContenderReport to <result.json>. The clock covers reading the file up to having the
// windows in JS (the engine: until the pipeline runner has flushed the sink); peak RSS is read right
// after, before the windows are serialised. Each contender imports only its own modules.

/** What a contender's child process reports. */
export interface ContenderReport {
  readonly contender: string;
  readonly seconds: number;
  /** CPU time of the whole process (user + system, every thread) during the timed run. */
  readonly cpuSeconds: number;
  readonly records: number;
  /** `process.resourceUsage().maxRSS` right after the timed run, KiB. */
  readonly maxRssKiB: number;
  readonly windows: readonly BarWindow[];
}

interface Prepared {
  run(): Promise<ContenderResult>;
  close?(): void;
}

const contenders: Record<string, (file: string) => Promise<Prepared>> = {
  'cloudpulse-nvda': async (file) => {
    const [{ runEngine }, { nvdaTopology }, { nvdaBarsTable }] = await Promise.all([
      import('./replay-engine.js'),
      import('../topologies/nvda/topology.js'),
      import('../topologies/nvda/tables.js'),
    ]);
    return { run: () => runEngine(file, nvdaTopology, nvdaBarsTable.name, { bar: '1m', symbol: 'NVDA' }) };
  },
  'cloudpulse-bars': async (file) => {
    const [{ runEngine }, { barsOnlyTopology, tickBarsTable }] = await Promise.all([import('./replay-engine.js'), import('./replay-bars-topology.js')]);
    return { run: () => runEngine(file, barsOnlyTopology, tickBarsTable.name) };
  },
  'naive-loop': async (file) => {
    const { runNaiveLoop } = await import('./replay-naive-loop.js');
    return { run: () => runNaiveLoop(file) };
  },
  'tuned-loop': async (file) => {
    const { runTunedLoop } = await import('./replay-tuned-loop.js');
    return { run: () => runTunedLoop(file) };
  },
  'duckdb-1t': async (file) => (await import('./replay-duckdb.js')).prepareDuckDb(file, 1, 'file-order'),
  'duckdb-2t': async (file) => (await import('./replay-duckdb.js')).prepareDuckDb(file, 2, 'file-order'),
  'duckdb-1t-ts-only': async (file) => (await import('./replay-duckdb.js')).prepareDuckDb(file, 1, 'ts-only'),
  // Node and the TypeScript loader doing nothing: the floor under every contender's peak RSS.
  idle: async () => ({ run: async () => ({ records: 0, windows: () => [] }) }),
};

async function main(argv: readonly string[]): Promise<void> {
  const [name, file, out] = argv;
  const prepare = name === undefined ? undefined : contenders[name];
  if (name === undefined || prepare === undefined || file === undefined || out === undefined) {
    console.error(`usage: replay-contender.ts <${Object.keys(contenders).join('|')}> <ticks.csv> <result.json>`);
    process.exit(2);
  }
  const prepared = await prepare(file);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await prepared.run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const maxRssKiB = process.resourceUsage().maxRSS;
  prepared.close?.();
  const report: ContenderReport = { contender: name, seconds, cpuSeconds: (used.user + used.system) / 1e6, records: result.records, maxRssKiB, windows: result.windows() };
  await writeFile(out, JSON.stringify(report));
}

await main(process.argv.slice(2));
