import { userInfo } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../../engine/index.js';

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

/**
 * Configuration of the PostgreSQL sink. Connection settings come from `url`, the separate fields
 * (which win over the URL), and the standard `PG*` environment variables for whatever neither gives.
 */
export const postgresSinkConfigSchema = z.strictObject({
  type: z.literal('postgres'),
  /** `postgres://user:password@host:port/database` (`?host=/socket/dir` for a Unix socket). */
  url: z.string().refine(isPostgresUrl, 'must be a postgres:// or postgresql:// URL').optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  database: z.string().min(1).optional(),
  /** Schema holding the output tables and the sink's own `cloudpulse_positions`/`cloudpulse_writers`. */
  schema: z.string().min(1).default('public'),
  /**
   * Name under which positions are stored and writers fenced (default: the topology's name). Two
   * pipelines with the same name share positions; the newer one fences the older.
   */
  pipeline: z.string().min(1).optional(),
  applicationName: z.string().min(1).default('cloudpulse'),
  connectTimeoutMs: z.number().int().positive().default(10_000),
});

export type PostgresSinkConfig = z.infer<typeof postgresSinkConfigSchema>;
/** What callers may pass: defaults are filled in by the schema. */
export type PostgresSinkConfigInput = z.input<typeof postgresSinkConfigSchema>;

/** Connection settings after merging config, URL and environment; `password` is never logged. */
export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
}

/**
 * Merges the connection settings: explicit fields, then the URL, then `PGHOST`, `PGPORT`, `PGUSER`,
 * `PGPASSWORD`, `PGDATABASE`, then libpq's defaults (localhost, 5432, the OS user, a database named
 * after the user).
 */
export function resolveConnection(config: Pick<PostgresSinkConfig, 'url' | 'host' | 'port' | 'user' | 'password' | 'database'>, env: NodeJS.ProcessEnv = process.env): PostgresConnection {
  const fromUrl = config.url === undefined ? {} : parseUrl(config.url);
  const envPort = env['PGPORT'] === undefined || env['PGPORT'] === '' ? undefined : Number(env['PGPORT']);
  if (envPort !== undefined && !(Number.isInteger(envPort) && envPort > 0 && envPort < 65_536)) throw new ConfigError('PGPORT', 'must be a port number');
  const user = config.user ?? fromUrl.user ?? nonEmpty(env['PGUSER']) ?? userInfo().username;
  return {
    host: config.host ?? fromUrl.host ?? nonEmpty(env['PGHOST']) ?? 'localhost',
    port: config.port ?? fromUrl.port ?? envPort ?? 5432,
    user,
    password: config.password ?? fromUrl.password ?? env['PGPASSWORD'],
    database: config.database ?? fromUrl.database ?? nonEmpty(env['PGDATABASE']) ?? user,
  };
}

/** `postgres://user@host:port/database`: what logs and errors may show (never the password). */
export function describeConnection(connection: PostgresConnection): string {
  const host = connection.host.startsWith('/') ? `[${connection.host}]` : connection.host;
  return `postgres://${encodeURIComponent(connection.user)}@${host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}

function parseUrl(text: string): Partial<PostgresConnection> {
  const url = new URL(text);
  const decode = (value: string): string | undefined => (value === '' ? undefined : decodeURIComponent(value));
  const socketHost = url.searchParams.get('host');
  const database = decode(url.pathname.replace(/^\//, ''));
  const result: { -readonly [K in keyof PostgresConnection]?: PostgresConnection[K] } = {};
  const host = socketHost ?? decode(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (host !== undefined) result.host = host;
  if (url.port !== '') result.port = Number(url.port);
  const user = decode(url.username);
  if (user !== undefined) result.user = user;
  const password = decode(url.password);
  if (password !== undefined) result.password = password;
  if (database !== undefined) result.database = database;
  return result;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
