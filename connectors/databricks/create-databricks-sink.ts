import { ConfigError } from '../../engine/index.js';
import { databricksSinkConfigSchema, resolveDatabricksConnection, type DatabricksSinkConfigInput } from './config.js';
import { DatabricksSink, type DatabricksSinkOptions } from './databricks-sink.js';

/** Text query parameters of a sink URL that configure the sink. */
const TEXT_PARAMETERS = ['catalog', 'schema', 'pipeline', 'stagingVolume'] as const;
const NUMBER_PARAMETERS = ['maxStatementBytes', 'stagingMinRows'] as const;

/**
 * Builds the Databricks sink from the CLI's
 * `--sink databricks://token:<token>@<host>[:port]/<http path>?catalog=c&schema=s&pipeline=p` (the HTTP
 * path may also be given as `?http_path=`; a missing token comes from `DATABRICKS_TOKEN`) or from a config
 * object (`{ type: 'databricks', … }`). Problems throw a `ConfigError` naming `<path>.<field>`, never
 * showing the token.
 */
export function createDatabricksSink(target: string | DatabricksSinkConfigInput, options: DatabricksSinkOptions & { readonly path?: string } = {}): DatabricksSink {
  const path = options.path ?? 'sink';
  const input = typeof target === 'string' ? configFromUrl(target, path) : target;
  const result = databricksSinkConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    throw new ConfigError(field === '' ? path : `${path}.${field}`, issue.message);
  }
  // Missing connection settings fail here, at start, rather than at the first write.
  resolveDatabricksConnection(result.data, options.env, path);
  return new DatabricksSink(result.data, options);
}

/** True when a `--sink` value names Databricks. */
export function isDatabricksUrl(target: string): boolean {
  return /^databricks:\/\//i.test(target);
}

function configFromUrl(text: string, path: string): DatabricksSinkConfigInput {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(path, 'not a valid URL (expected databricks://token:<token>@<host>/<http path>?schema=s)');
  }
  const config: Record<string, unknown> = { type: 'databricks' };
  if (url.hostname !== '') config['host'] = url.hostname;
  if (url.port !== '') config['port'] = Number(url.port);
  const httpPath = url.searchParams.get('http_path') ?? (url.pathname === '' || url.pathname === '/' ? undefined : decodeURIComponent(url.pathname));
  if (httpPath !== undefined) config['httpPath'] = httpPath;
  if (url.password !== '') config['token'] = decodeURIComponent(url.password);
  for (const name of TEXT_PARAMETERS) {
    const value = url.searchParams.get(name);
    if (value !== null) config[name] = value;
  }
  for (const name of NUMBER_PARAMETERS) {
    const value = url.searchParams.get(name);
    if (value === null) continue;
    const number = Number(value);
    if (!Number.isInteger(number)) throw new ConfigError(`${path}.${name}`, `must be an integer, got ${JSON.stringify(value)}`);
    config[name] = number;
  }
  const format = url.searchParams.get('resultFormat');
  if (format !== null) config['resultFormat'] = format;
  return config as DatabricksSinkConfigInput;
}
