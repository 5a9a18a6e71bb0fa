import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { postgres } from '../services/postgres/postgres.js';
import '../services/provided-context.js';
import type { PostgresSettings, ServiceInstance } from '../services/types.js';

/** A fresh database on the test run's PostgreSQL server, dropped again by `close()`. */
export interface TestDatabase {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  readonly url: string;
  readonly database: string;
  readonly server: PostgresSettings;
  /** Runs one statement on a short-lived admin connection to the fresh database. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** A new connected client to the fresh database (the caller ends it). */
  connect(): Promise<pg.Client>;
  close(): Promise<void>;
}

/**
 * Opens a fresh database on the PostgreSQL server of this test run: the launcher's server when the file
 * declares `// @services postgres` and vitest runs the launcher's global setup; otherwise one started for
 * this file through the launcher's own postgres module (install, start, ready, stop), so the tests never
 * depend on a server started by hand.
 */
export async function openTestDatabase(prefix = 'cp'): Promise<TestDatabase> {
  let own: ServiceInstance<'postgres'> | undefined;
  let server = providedServer();
  if (server === undefined) {
    await postgres.install();
    own = await postgres.start();
    try {
      await postgres.ready(own);
    } catch (error) {
      await postgres.stop(own);
      throw error;
    }
    server = own.settings;
  }
  const database = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(server, 'postgres', (client) => client.query(`CREATE DATABASE "${database}"`));
  const url = `postgres://${server.user}@${server.host}:${server.port}/${database}`;
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  return {
    url,
    database,
    server,
    async query<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const client = await connect();
      try {
        return (await client.query<R>(sql, [...params])).rows;
      } finally {
        await client.end();
      }
    },
    connect,
    async close(): Promise<void> {
      try {
        if (own === undefined) await onServer(server, 'postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
      } finally {
        if (own !== undefined) await postgres.stop(own);
      }
    },
  };
}

function providedServer(): PostgresSettings | undefined {
  try {
    return inject('cloudpulseServices')?.postgres?.settings;
  } catch {
    return undefined;
  }
}

async function onServer<T>(server: PostgresSettings, database: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
