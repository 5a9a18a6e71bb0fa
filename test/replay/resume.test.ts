import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeadLetterFileSink } from '../../connectors/file/dead-letter-file-sink.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import { runReplay, type ReplayResult } from '../../cli/run-replay.js';
import { EngineEvents } from '../../engine/index.js';
import { findTopology } from '../../topologies/index.js';
import { requireSharedData } from '../shared-data.js';

async function replay(topologyName: string, dataDir: string, out: string, options: { resume: boolean; stopAfterBatches?: number }): Promise<ReplayResult> {
  const topology = findTopology(topologyName)!;
  const events = new EngineEvents();
  const controller = new AbortController();
  let batches = 0;
  events.on((event) => {
    if (event.type === 'batch_processed' && options.stopAfterBatches !== undefined && ++batches === options.stopAfterBatches) controller.abort();
  });
  return runReplay({
    topology,
    dataDir,
    sinks: [new FileSink({ dir: out, format: 'csv', resume: options.resume, fsync: false })],
    deadLetterSink: new DeadLetterFileSink(join(out, 'dead_letter.csv'), { append: options.resume, fsync: false }),
    events,
    signal: controller.signal,
  });
}

async function tables(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.csv') && f !== 'dead_letter.csv').sort()) files[name] = await readFile(join(dir, name), 'utf8');
  return files;
}

describe('resume: a replay stopped midway and resumed gives the same tables as one uninterrupted run', () => {
  const cases = [
    { topology: 'nvda', dataset: 'nvidia-stock', stopAfter: 3 },
    { topology: 'world-economy', dataset: 'world-economic-indicators', stopAfter: 5 },
    { topology: 'northwind', dataset: 'northwind', stopAfter: 2 },
    { topology: 'crm-pipeline', dataset: 'crm-sales-opportunities', stopAfter: 4 },
    { topology: 'modelcars', dataset: 'model-cars', stopAfter: 1 },
  ];
  for (const { topology, dataset, stopAfter } of cases) {
    it(topology, async () => {
      const data = join(requireSharedData(), dataset);
      const whole = await mkdtemp(join(tmpdir(), `cp-whole-${topology}-`));
      const complete = await replay(topology, data, whole, { resume: false });
      expect(complete.stoppedEarly).toBe(false);

      const split = await mkdtemp(join(tmpdir(), `cp-split-${topology}-`));
      const first = await replay(topology, data, split, { resume: false, stopAfterBatches: stopAfter });
      expect(first.stoppedEarly).toBe(true);
      expect(first.recordsIn).toBeLessThan(complete.recordsIn);
      const second = await replay(topology, data, split, { resume: true });
      expect(second.stoppedEarly).toBe(false);

      expect(await tables(split)).toEqual(await tables(whole));
      // Each dead letter is written once across the two runs: the resumed run re-reads only undurable input.
      const letters = async (dir: string) => (await readFile(join(dir, 'dead_letter.csv'), 'utf8')).trim().split('\n').slice(1).sort();
      expect(await letters(split)).toEqual(await letters(whole));
    });
  }
});
