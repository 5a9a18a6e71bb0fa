import { ConfigError } from '../../engine/index.js';
import { postgresSinkConfigSchema, type PostgresSinkConfigInput } from './config.js';
import { PostgresSink, type PostgresSinkOptions } from './postgres-sink.js';

/** Query parameters of a sink URL that configure the sink rather than the connection. */
const SINK_PARAMETERS = ['schema', 'pipeline'] as const;

/**
 * Builds the PostgreSQL sink from the CLI's `--sink postgres://user:pass@host:port/db?schema=s&pipeline=p`
 * or from a config object (`{ type: 'postgres', … }`). Validation problems throw a `ConfigError` naming
 * `<path>.<field>`; the password never appears in it.
 */
export function createPostgresSink(target: string | PostgresSinkConfigInput, options: PostgresSinkOptions & { readonly path?: string } = {}): PostgresSink {
  const path = options.path ?? 'sink';
  const input = typeof target === 'string' ? configFromUrl(target, path) : target;
  const result = postgresSinkConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    throw new ConfigError(field === '' ? path : `${path}.${field}`, issue.message);
  }
  return new PostgresSink(result.data, options);
}

/** True when a `--sink` value names PostgreSQL. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

function configFromUrl(text: string, path: string): PostgresSinkConfigInput {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(path, 'not a valid URL (expected postgres://user@host:port/database)');
  }
  const config: { -readonly [K in keyof PostgresSinkConfigInput]: PostgresSinkConfigInput[K] } = { type: 'postgres' };
  for (const name of SINK_PARAMETERS) {
    const value = url.searchParams.get(name);
    if (value !== null) config[name] = value;
    url.searchParams.delete(name);
  }
  config.url = url.toString();
  return config;
}
