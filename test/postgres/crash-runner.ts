// A replay into PostgreSQL as its own process, for the crash test to SIGKILL: argv[2] is a JSON
// `CrashRunRequest`. Prints one JSON line with the run's summary when it completes.
import { runReplay } from '../../cli/run-replay.js';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { findTopology } from '../../topologies/index.js';
import { ticksPassthroughTopology } from './ticks-passthrough-topology.js';

/** What the crash runner replays, and where to. */
export interface CrashRunRequest {
  readonly url: string;
  readonly dataDir: string;
  /** `ticks-passthrough` or a built-in topology's name. */
  readonly topology: string;
  readonly files?: Record<string, string>;
  readonly options?: Record<string, string>;
}

const request = JSON.parse(process.argv[2] ?? '{}') as CrashRunRequest;
const topology = request.topology === ticksPassthroughTopology.name ? ticksPassthroughTopology : findTopology(request.topology);
if (topology === undefined) throw new Error(`unknown topology ${request.topology}`);
const result = await runReplay({
  topology,
  dataDir: request.dataDir,
  sinks: [createPostgresSink(request.url)],
  ...(request.files === undefined ? {} : { files: request.files }),
  ...(request.options === undefined ? {} : { options: request.options }),
});
process.stdout.write(`${JSON.stringify({ recordsIn: result.recordsIn, rowsOut: result.rowsOut, deadLetters: result.deadLetters.length })}\n`);
