import { ConfigError } from '../../engine/index.js';
import { elasticsearchSinkConfigSchema, type ElasticsearchSinkConfigInput } from './config.js';
import { ElasticsearchSink, type ElasticsearchSinkOptions } from './elasticsearch-sink.js';

const URL_SCHEME = /^elasticsearch\+(https?):\/\//i;

/** Query parameters a sink URL may carry, and the config field each sets. */
// Values stay as given when they do not parse, so the schema names the parameter's field in its error.
const URL_PARAMETERS: Readonly<Record<string, readonly [field: string, parse: (value: string) => unknown]>> = {
  prefix: ['indexPrefix', (value) => value],
  tables: ['tables', (value) => value.split(',').map((t) => t.trim()).filter((t) => t !== '')],
  refresh: ['refresh', (value) => (value === 'true' ? true : value === 'false' ? false : value)],
  concurrency: ['concurrency', numberOrText],
  maxBulkDocs: ['maxBulkDocs', numberOrText],
  maxBulkBytes: ['maxBulkBytes', numberOrText],
};

function numberOrText(value: string): unknown {
  return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
}

/**
 * Builds the Elasticsearch sink from the CLI's `--sink elasticsearch+http://[user:pass@]host:port?prefix=p&tables=a,b&refresh=wait_for`
 * (`elasticsearch+https://` for TLS) or from a config object (`{ type: 'elasticsearch', nodes: [...], … }`).
 * Validation problems throw a `ConfigError` naming `<path>.<field>`; a password never appears in it.
 */
export function createElasticsearchSink(target: string | ElasticsearchSinkConfigInput, options: ElasticsearchSinkOptions = {}): ElasticsearchSink {
  const path = options.path ?? 'sink';
  const input = typeof target === 'string' ? configFromUrl(target, path) : target;
  const result = elasticsearchSinkConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    throw new ConfigError(field === '' ? path : `${path}.${field}`, issue.message);
  }
  return new ElasticsearchSink(result.data, { ...options, path });
}

/** True when a `--sink` value names Elasticsearch. */
export function isElasticsearchUrl(target: string): boolean {
  return URL_SCHEME.test(target);
}

function configFromUrl(text: string, path: string): unknown {
  const scheme = URL_SCHEME.exec(text);
  let url: URL;
  try {
    if (scheme === null) throw new Error('not elasticsearch+http(s)://');
    url = new URL(`${scheme[1]!.toLowerCase()}://${text.slice(scheme[0].length)}`);
  } catch {
    throw new ConfigError(path, 'not a valid URL (expected elasticsearch+http://host:port or elasticsearch+https://host:port)');
  }
  const config: Record<string, unknown> = { type: 'elasticsearch' };
  for (const [name, value] of url.searchParams) {
    const parameter = URL_PARAMETERS[name];
    if (parameter === undefined) throw new ConfigError(`${path}.${name}`, `unknown URL parameter (known: ${Object.keys(URL_PARAMETERS).join(', ')}; put the rest in a config file's sinks entry)`);
    config[parameter[0]] = parameter[1](value);
  }
  if (url.pathname !== '/' && url.pathname !== '') throw new ConfigError(path, `the URL names no path (got ${url.pathname}); the index comes from prefix= and the table`);
  url.search = '';
  url.pathname = '';
  return { ...config, nodes: [url.toString().replace(/\/$/, '')] };
}
