import type pg from 'pg';
import type { PostgresConnection } from '../config.js';

// The text forms every conversion expects, whatever the server's or role's defaults: ISO dates,
// UTC timestamps with offset, hex bytea, shortest exact floats.
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=1';

/** `pg` client settings for the source's connections (query, snapshot and replication alike). */
export function sourceClientConfig(connection: PostgresConnection, applicationName: string, connectTimeoutMs: number): pg.ClientConfig {
  return {
    host: connection.host,
    port: connection.port,
    user: connection.user,
    database: connection.database,
    ...(connection.password === undefined ? {} : { password: connection.password }),
    application_name: applicationName.slice(0, 63),
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    options: SESSION_OPTIONS,
  };
}

/** Every value as PostgreSQL's text output: the column mappings convert it (the same text as the change stream). */
export const rawTextTypes = {
  getTypeParser: () => (text: string) => text,
};
