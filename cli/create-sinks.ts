import { ConfigError, type Sink } from '../engine/index.js';
import { ConsoleSink } from '../connectors/console/console-sink.js';
import { FileSink } from '../connectors/file/file-sink.js';
import { createPostgresSink, isPostgresUrl } from '../connectors/postgres/create-postgres-sink.js';
import type { PostgresSinkConfigInput } from '../connectors/postgres/config.js';

/** One `--sink` value or `sinks:` config entry: `file`, `console`, a postgres:// URL, or a sink config object. */
export type SinkTarget = string | PostgresSinkConfigInput;

export interface SinkSettings {
  /** Output folder of the file sink. */
  readonly out: string;
  readonly format: 'csv' | 'jsonl';
  readonly resume: boolean;
  /** Name under which transactional sinks store positions when the target names none (default: the topology). */
  readonly pipeline?: string;
}

/**
 * Builds the sinks of a replay (`file` writes `<out>/`). Every target is validated before anything
 * runs; a bad one names `sinks.<index>`.
 */
export function createSinks(targets: readonly SinkTarget[], settings: SinkSettings): Sink[] {
  return targets.map((target, index): Sink => {
    const path = `sinks.${index}`;
    const postgresOptions = { path, ...(settings.pipeline === undefined ? {} : { defaultPipeline: settings.pipeline }) };
    if (typeof target !== 'string') return createPostgresSink(target, postgresOptions);
    if (target === 'file') return new FileSink({ dir: settings.out, format: settings.format, resume: settings.resume, fsync: true });
    if (target === 'console') return new ConsoleSink(process.stdout);
    if (isPostgresUrl(target)) return createPostgresSink(target, postgresOptions);
    throw new ConfigError(path, `unknown sink ${JSON.stringify(redact(target))}: use file, console or postgres://user@host:port/database`);
  });
}

/** Never echo a password from a URL-shaped value back into an error. */
function redact(target: string): string {
  return target.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
