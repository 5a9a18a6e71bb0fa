import { z } from 'zod';
import { ConfigError } from '../../engine/index.js';

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Elasticsearch's rules for index names (lowercase, no `\ / * ? " < > | , # :` or space, no leading `- _ +`). */
export const INDEX_NAME = /^[a-z0-9][^A-Z\\/*?"<>|,# :]*$/;

const indexName = z.string().max(200).regex(INDEX_NAME, 'must be a lowercase Elasticsearch index name (no \\ / * ? " < > | , # : or space; not starting with - _ +)');

/** Per-table settings; a table the running topology does not declare is ignored (one config serves several topologies). */
export const elasticsearchTableSettingsSchema = z
  .strictObject({
    /** Index (or data stream) name; default `<indexPrefix><table>`. */
    index: indexName.optional(),
    /** Text columns analysed for full-text search (`text` with a `.keyword` subfield); other text columns are `keyword`. */
    textColumns: z.array(z.string().min(1)).default([]),
    /**
     * External versioning: an integer or timestamptz column whose value only rises per key (an event time,
     * a sequence number — never a Kafka offset, which restarts on a replay into another topic). A write
     * carrying an older version than the stored document is a 409 from Elasticsearch, counted as success.
     */
    versionColumn: z.string().min(1).optional(),
    /**
     * Monthly indices `<index>-YYYY.MM` by a timestamptz or date **key** column (a key column, so every
     * version of a row lands in the same index and `_id` stays unique).
     */
    monthlyBy: z.string().min(1).optional(),
    /**
     * Append-only output into a data stream (created on first write by the table's index template): `create`
     * operations only, `@timestamp` taken from this timestamptz or date column. A row written again keeps
     * its first version (409 = already there), deletes are dead-lettered.
     */
    dataStreamTimestamp: z.string().min(1).optional(),
  })
  .refine((s) => s.monthlyBy === undefined || s.dataStreamTimestamp === undefined, { message: 'monthlyBy and dataStreamTimestamp exclude each other', path: ['monthlyBy'] });

/**
 * Configuration of the Elasticsearch sink (client 9.x: Elasticsearch 9.x servers only). Credentials come from
 * the config or from `ELASTICSEARCH_API_KEY` / `ELASTICSEARCH_USERNAME` + `ELASTICSEARCH_PASSWORD`; they are
 * never logged nor put in an error message.
 */
export const elasticsearchSinkConfigSchema = z
  .strictObject({
    type: z.literal('elasticsearch'),
    /** `http(s)://host:port` of one or more nodes; default `$CLOUDPULSE_ELASTICSEARCH_URL` (comma-separated). */
    nodes: z.array(z.string().refine(isHttpUrl, 'must be an http:// or https:// URL')).min(1).optional(),
    apiKey: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    tls: z
      .strictObject({
        /** PEM file of the CA that signed the nodes' certificates. */
        caFile: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .optional(),
    /** Prepended to each table's name to form its index name. */
    indexPrefix: z.string().regex(/^([a-z0-9][^A-Z\\/*?"<>|,# :]*)?$/, 'must start a lowercase Elasticsearch index name').default(''),
    /** Only these output tables go to Elasticsearch (default: every table of the topology). */
    tables: z.array(z.string().min(1)).min(1).optional(),
    tableSettings: z.record(z.string(), elasticsearchTableSettingsSchema).default({}),
    /** `refresh` of each bulk request: false (default, fastest), true, or `wait_for`. */
    refresh: z.union([z.boolean(), z.literal('wait_for')]).default(false),
    /** Bulk request limits: documents and bytes (NDJSON, UTF-8) per request, requests in flight. */
    maxBulkDocs: z.number().int().positive().default(1_000),
    maxBulkBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
    concurrency: z.number().int().min(1).max(32).default(2),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /** How long `open` waits for cluster health yellow. */
    healthTimeoutMs: z.number().int().positive().default(30_000),
    compression: z.boolean().default(false),
    /** Index settings put in the index templates (default: the cluster's). */
    shards: z.number().int().min(1).optional(),
    replicas: z.number().int().min(0).optional(),
    /** Priority of the sink's index templates (above the stack's built-in 100–500 when they overlap). */
    templatePriority: z.number().int().min(0).default(200),
  })
  .refine((c) => c.apiKey === undefined || (c.username === undefined && c.password === undefined), { message: 'give either apiKey or username/password, not both', path: ['apiKey'] })
  .refine((c) => c.password === undefined || c.username !== undefined, { message: 'password needs a username', path: ['username'] });

export type ElasticsearchSinkConfig = z.infer<typeof elasticsearchSinkConfigSchema>;
/** What callers may pass: defaults are filled in by the schema. */
export type ElasticsearchSinkConfigInput = z.input<typeof elasticsearchSinkConfigSchema>;
export type ElasticsearchTableSettings = z.infer<typeof elasticsearchTableSettingsSchema>;

/** Credentials after merging config and environment; never logged. */
export type ElasticsearchAuth = { readonly apiKey: string } | { readonly username: string; readonly password: string } | undefined;

/** The config's credentials, else `ELASTICSEARCH_API_KEY`, else `ELASTICSEARCH_USERNAME` + `ELASTICSEARCH_PASSWORD`. */
export function resolveAuth(config: Pick<ElasticsearchSinkConfig, 'apiKey' | 'username' | 'password'>, env: NodeJS.ProcessEnv = process.env): ElasticsearchAuth {
  if (config.apiKey !== undefined) return { apiKey: config.apiKey };
  if (config.username !== undefined) return { username: config.username, password: config.password ?? env['ELASTICSEARCH_PASSWORD'] ?? '' };
  const apiKey = env['ELASTICSEARCH_API_KEY'];
  if (apiKey !== undefined && apiKey !== '') return { apiKey };
  const username = env['ELASTICSEARCH_USERNAME'];
  if (username !== undefined && username !== '') return { username, password: env['ELASTICSEARCH_PASSWORD'] ?? '' };
  return undefined;
}

/** The nodes of the config, else of `CLOUDPULSE_ELASTICSEARCH_URL`; a `ConfigError` at `<path>.nodes` when neither gives a usable one. */
export function resolveNodes(nodes: readonly string[] | undefined, path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (nodes !== undefined) return [...nodes];
  const fromEnv = (env['CLOUDPULSE_ELASTICSEARCH_URL'] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (fromEnv.length === 0) throw new ConfigError(`${path}.nodes`, 'give the Elasticsearch node(s), or set CLOUDPULSE_ELASTICSEARCH_URL');
  const bad = fromEnv.find((node) => !isHttpUrl(node));
  if (bad !== undefined) throw new ConfigError(`${path}.nodes`, `CLOUDPULSE_ELASTICSEARCH_URL holds ${JSON.stringify(describeNodes([bad]))}, not an http:// or https:// URL`);
  return fromEnv;
}

/** The nodes as logs and errors may show them: no user info. */
export function describeNodes(nodes: readonly string[]): string {
  return nodes
    .map((node) => {
      try {
        const url = new URL(node);
        url.username = '';
        url.password = '';
        return url.toString().replace(/\/$/, '');
      } catch {
        return '(not a URL)';
      }
    })
    .join(',');
}
