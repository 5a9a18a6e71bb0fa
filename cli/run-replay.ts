import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ConfigError,
  EngineEvents,
  MemoryDeadLetterSink,
  PipelineRunner,
  systemClock,
  type Clock,
  type DeadLetter,
  type DeadLetterSink,
  type Row,
  type Sink,
  type Source,
  type Topology,
} from '../engine/index.js';
import { openFileSource, readFirstLines } from '../replay/index.js';

/** A replay of files from a data folder through one topology into sinks. */
export interface ReplayRequest {
  readonly topology: Topology;
  /** Folder holding the input files (`--data`). */
  readonly dataDir: string;
  /** Input name → file name inside dataDir, overriding the input's default file (`--file`). */
  readonly files?: Readonly<Record<string, string>>;
  /** Topology options (`--bar 1w`), validated against `topology.options`. */
  readonly options?: Readonly<Record<string, string>>;
  /** Where output rows go (file sink, Postgres…). */
  readonly sinks: readonly Sink[];
  /** Where dead letters go (default: kept in memory only, and returned). */
  readonly deadLetterSink?: DeadLetterSink;
  readonly speed?: 'max' | number;
  /** Event-time bounds (epoch ms), inclusive from, exclusive to. */
  readonly from?: number;
  readonly to?: number;
  readonly ordering?: 'file' | 'event-time';
  readonly clock?: Clock;
  readonly events?: EngineEvents;
  /** Aborting stops the replay gracefully (drain, flush, commit). */
  readonly signal?: AbortSignal;
}

/** What a replay did, for the CLI summary and for tests. */
export interface ReplayResult {
  readonly recordsIn: number;
  readonly rowsOut: Readonly<Record<string, number>>;
  readonly deadLetters: readonly DeadLetter[];
  readonly late: number;
  readonly elapsedMs: number;
  readonly stoppedEarly: boolean;
}

/** Replays a topology's input files into sinks; resolves when every sink has flushed. */
export async function runReplay(request: ReplayRequest): Promise<ReplayResult> {
  const { topology } = request;
  const clock = request.clock ?? systemClock;
  const events = request.events ?? new EngineEvents();
  const options = resolveOptions(topology, request.options ?? {});
  for (const name of Object.keys(request.files ?? {})) {
    if (!topology.inputs.some((input) => input.name === name)) {
      throw new ConfigError(`files.${name}`, `${topology.name} has no input named ${name} (inputs: ${topology.inputs.map((i) => i.name).join(', ')})`);
    }
  }

  const streams: Record<string, Source<Row>> = {};
  const tables: Record<string, Source<Row>> = {};
  for (const input of topology.inputs) {
    const fileName = request.files?.[input.name] ?? input.defaultFile;
    const path = join(request.dataDir, fileName);
    try {
      await access(path);
    } catch {
      throw new ConfigError(request.files?.[input.name] === undefined ? 'data' : `files.${input.name}`, `input ${input.name}: file not found: ${path}`);
    }
    const readOptions = input.readOptions(basename(path), await readFirstLines(path, 8));
    const source = openFileSource({
      files: [path],
      readOptions,
      clock,
      speed: input.kind === 'table' ? 'max' : (request.speed ?? 'max'),
      ordering: input.kind === 'table' ? 'file' : (request.ordering ?? 'file'),
      ...(request.from === undefined || input.kind === 'table' ? {} : { from: request.from }),
      ...(request.to === undefined || input.kind === 'table' ? {} : { to: request.to }),
    });
    (input.kind === 'table' ? tables : streams)[input.name] = source;
  }

  const memory = new MemoryDeadLetterSink();
  const forward = request.deadLetterSink;
  const deadLetters: DeadLetterSink = {
    name: forward?.name ?? memory.name,
    write: async (letters) => {
      await memory.write(letters);
      await forward?.write(letters);
    },
    close: async () => {
      await forward?.close();
    },
  };

  const runner = new PipelineRunner({ topology, streams, tables, sinks: request.sinks, deadLetters, options, clock, events });
  const onAbort = (): void => runner.stop();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  const started = clock.now();
  try {
    const summary = await runner.run();
    return {
      recordsIn: summary.recordsIn,
      rowsOut: summary.rowsOut,
      deadLetters: memory.letters,
      late: summary.late,
      elapsedMs: clock.now() - started,
      stoppedEarly: summary.stoppedEarly,
    };
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
}

/** Applies defaults and validates topology options; an unknown or bad one fails naming `options.<name>`. */
export function resolveOptions(topology: Topology, given: Readonly<Record<string, string>>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const option = topology.options.find((o) => o.name === name);
    if (option === undefined) {
      const known = topology.options.map((o) => o.name).join(', ') || 'none';
      throw new ConfigError(`options.${name}`, `${topology.name} has no option ${name} (options: ${known})`);
    }
    const problem = option.validate?.(value);
    if (problem !== undefined) throw new ConfigError(`options.${name}`, problem);
    resolved[name] = value;
  }
  for (const option of topology.options) if (resolved[option.name] === undefined && option.default !== undefined) resolved[option.name] = option.default;
  return resolved;
}
