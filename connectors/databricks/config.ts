import { z } from 'zod';
import { ConfigError } from '../../engine/index.js';

/**
 * Configuration of the Databricks sink. Connection settings missing here come from `DATABRICKS_HOST`,
 * `DATABRICKS_HTTP_PATH`, `DATABRICKS_TOKEN` (or `DATABRICKS_CLIENT_ID` + `DATABRICKS_CLIENT_SECRET` for
 * OAuth machine-to-machine). The token and the client secret are never logged.
 */
export const databricksSinkConfigSchema = z.strictObject({
  type: z.literal('databricks'),
  /** Workspace host name, e.g. `dbc-1234.cloud.databricks.com` (an `https://` prefix is accepted). */
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65_535).default(443),
  /** The SQL warehouse's HTTP path, e.g. `/sql/1.0/warehouses/abc123`. */
  httpPath: z.string().min(1).optional(),
  /** A personal access token (or any bearer token the warehouse accepts). */
  token: z.string().min(1).optional(),
  /** OAuth machine-to-machine: a service principal's client id and secret (instead of `token`). */
  oauthClientId: z.string().min(1).optional(),
  oauthClientSecret: z.string().min(1).optional(),
  /** Unity Catalog catalog of the tables; absent: two-part names in the warehouse's default catalog. */
  catalog: z.string().min(1).optional(),
  /** Schema holding the output tables and `cloudpulse_positions`. */
  schema: z.string().min(1).default('default'),
  /** `CREATE SCHEMA IF NOT EXISTS` at open (turn off where the principal may not create schemas). */
  createSchema: z.boolean().default(true),
  /** Name under which positions are stored (default: the topology's name). */
  pipeline: z.string().min(1).optional(),
  /** Batches are split so that each statement's text stays under this many bytes. */
  maxStatementBytes: z.number().int().min(4_096).max(16_000_000).default(1_000_000),
  /**
   * Above this many rows for one table in one write, rows go through a Unity Catalog volume instead of
   * literals: a staging `PUT` of a JSON file into `stagingVolume`, `COPY INTO` a staging table, `MERGE` from it.
   */
  stagingMinRows: z.number().int().positive().optional(),
  /** `/Volumes/<catalog>/<schema>/<volume>`: where staged files go (needed with `stagingMinRows`). */
  stagingVolume: z.string().regex(/^\/Volumes\/[^/]+\/[^/]+\/[^/]+\/?$/, 'must be /Volumes/<catalog>/<schema>/<volume>').optional(),
  /** Results in Arrow (what warehouses send by default) or the older column-based row sets. */
  resultFormat: z.enum(['arrow', 'columns']).default('arrow'),
  /** Socket timeout of one HTTP request to the warehouse. */
  requestTimeoutMs: z.number().int().positive().default(900_000),
});

export type DatabricksSinkConfig = z.infer<typeof databricksSinkConfigSchema>;
/** What callers may pass: defaults are filled in by the schema. */
export type DatabricksSinkConfigInput = z.input<typeof databricksSinkConfigSchema>;

/** How the driver authenticates. */
export type DatabricksAuth = { readonly kind: 'token'; readonly token: string } | { readonly kind: 'oauth-m2m'; readonly clientId: string; readonly clientSecret: string };

/** Connection settings after merging config and environment. */
export interface DatabricksConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly httpPath: string;
  readonly auth: DatabricksAuth;
}

/** Merges config and `DATABRICKS_*` variables; a missing setting fails with a `ConfigError` naming it. */
export function resolveDatabricksConnection(config: DatabricksSinkConfig, env: NodeJS.ProcessEnv = process.env, path = 'sink'): DatabricksConnectionSettings {
  const host = (config.host ?? nonEmpty(env['DATABRICKS_HOST']))?.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  if (host === undefined || host === '') throw new ConfigError(`${path}.host`, 'no workspace host: set host or DATABRICKS_HOST');
  const httpPath = config.httpPath ?? nonEmpty(env['DATABRICKS_HTTP_PATH']);
  if (httpPath === undefined) throw new ConfigError(`${path}.httpPath`, "no warehouse HTTP path: set httpPath or DATABRICKS_HTTP_PATH (the warehouse's connection details)");
  const token = config.token ?? nonEmpty(env['DATABRICKS_TOKEN']);
  const clientId = config.oauthClientId ?? nonEmpty(env['DATABRICKS_CLIENT_ID']);
  const clientSecret = config.oauthClientSecret ?? nonEmpty(env['DATABRICKS_CLIENT_SECRET']);
  if (config.stagingMinRows !== undefined && config.stagingVolume === undefined) throw new ConfigError(`${path}.stagingVolume`, 'stagingMinRows needs a volume to stage files in');
  let auth: DatabricksAuth;
  if (token !== undefined && config.oauthClientId === undefined) auth = { kind: 'token', token };
  else if (clientId !== undefined && clientSecret !== undefined) auth = { kind: 'oauth-m2m', clientId, clientSecret };
  else if (clientId !== undefined) throw new ConfigError(`${path}.oauthClientSecret`, 'OAuth needs the client secret too (oauthClientSecret or DATABRICKS_CLIENT_SECRET)');
  else throw new ConfigError(`${path}.token`, 'no credentials: set token (or DATABRICKS_TOKEN), or an OAuth client id and secret');
  return { host, port: config.port, httpPath: httpPath.startsWith('/') ? httpPath : `/${httpPath}`, auth };
}

/** `databricks://host:port/path`: what logs and errors may show (never the token). */
export function describeDatabricksConnection(settings: DatabricksConnectionSettings): string {
  return `databricks://${settings.host}:${settings.port}${settings.httpPath}`;
}

/** The secrets that must never appear in a message. */
export function connectionSecrets(settings: DatabricksConnectionSettings): string[] {
  return settings.auth.kind === 'token' ? [settings.auth.token] : [settings.auth.clientSecret];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
