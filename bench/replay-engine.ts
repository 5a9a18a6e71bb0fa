import { basename } from 'node:path';
import { MemoryDeadLetterSink, PipelineRunner, type Cell, type Topology } from '../engine/index.js';
import { openFileSource, readFirstLines } from '../replay/index.js';
import { LastRowSink } from './replay-last-row-sink.js';
import type { BarWindow, ContenderResult } from './replay-windows.js';

function toWindow(row: Readonly<Record<string, Cell>>): BarWindow {
  const n = (value: Cell | undefined): number => {
    if (typeof value !== 'number') throw new Error(`bar row with a non-number: ${JSON.stringify(row)}`);
    return value;
  };
  return [String(row['symbol']), n(row['window_start']), n(row['open']), n(row['high']), n(row['low']), n(row['close']), n(row['volume']), n(row['vwap']), n(row['bars'])];
}

/**
 * The engine path as `cloudpulse replay` wires it: a file source with the topology's input read
 * options (chosen from the file's first lines), the topology, the pipeline runner (in-flight bound,
 * position tracking, commits) and a sink. `barsTable` names the output holding the bars. Fails unless
 * every record came in and none was dead-lettered or late.
 */
export async function runEngine(file: string, topology: Topology, barsTable: string, options: Readonly<Record<string, string>> = {}): Promise<ContenderResult> {
  const input = topology.inputs[0]!;
  const readOptions = input.readOptions(basename(file), await readFirstLines(file, 8));
  const source = openFileSource({ files: [file], readOptions });
  const sink = new LastRowSink();
  const deadLetters = new MemoryDeadLetterSink();
  const summary = await new PipelineRunner({ topology, streams: { [input.name]: source }, sinks: [sink], deadLetters, options }).run();
  if (summary.deadLettered > 0 || summary.late > 0 || summary.stoppedEarly) {
    throw new Error(`${topology.name}: ${summary.deadLettered} dead-lettered (first: ${JSON.stringify(deadLetters.letters[0])}), ${summary.late} late, stopped early: ${summary.stoppedEarly}`);
  }
  return { records: summary.recordsIn, windows: () => sink.rows(barsTable).map(toWindow) };
}
