import { DBSQLClient, LogLevel } from '@databricks/sql';
import type { Logger } from 'pino';
import { databricksErrorKind } from './classify-error.js';
import type { DatabricksConnectionSettings } from './config.js';

type Session = Awaited<ReturnType<DBSQLClient['openSession']>>;
type ConnectionOptions = Parameters<DBSQLClient['connect']>[0];

/** One row of a result, keyed by column name, values as the driver converts them. */
export type ResultRow = Readonly<Record<string, unknown>>;

/** Options of a {@link DatabricksConnection}. */
export interface DatabricksConnectionOptions {
  readonly resultFormat: 'arrow' | 'columns';
  readonly requestTimeoutMs: number;
  readonly logger?: Pick<Logger, 'warn'> | undefined;
}

/**
 * One session on a SQL warehouse through `@databricks/sql`, opened on first use. Telemetry is off (it would
 * call the workspace's telemetry endpoint and feature-flag service), and the driver makes one attempt per
 * request: retries belong to the runtime. After an error that loses the session or the connection
 * (`sessionLost`), the client is dropped and the next statement opens a new one.
 */
export class DatabricksConnection {
  private client: DBSQLClient | undefined;
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;

  constructor(
    private readonly settings: DatabricksConnectionSettings,
    private readonly options: DatabricksConnectionOptions,
  ) {}

  /**
   * Runs one statement and returns all its rows (none for DDL); rejects with the driver's error.
   * `stagingAllowedLocalPath` lets a staging `PUT`/`REMOVE` statement read or write files under that folder.
   */
  async query(statement: string, stagingAllowedLocalPath?: string): Promise<ResultRow[]> {
    const session = await this.open();
    try {
      const operation = await session.executeStatement(statement, { useCloudFetch: false, ...(stagingAllowedLocalPath === undefined ? {} : { stagingAllowedLocalPath }) });
      try {
        return (await operation.fetchAll()) as ResultRow[];
      } finally {
        await operation.close().catch(() => undefined);
      }
    } catch (error) {
      if (databricksErrorKind(error).sessionLost) await this.reset();
      throw error;
    }
  }

  /** Closes the session and the client; the next `query` opens new ones. */
  async reset(): Promise<void> {
    const { client, session } = this;
    this.client = undefined;
    this.session = undefined;
    this.opening = undefined;
    await session?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
  }

  private open(): Promise<Session> {
    if (this.session !== undefined) return Promise.resolve(this.session);
    this.opening ??= this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connect(): Promise<Session> {
    const logger = this.options.logger;
    const client = new DBSQLClient({
      logger: {
        log: (level: LogLevel, message: string) => {
          if (level === LogLevel.error || level === LogLevel.warn) logger?.warn({ driver: message }, 'databricks driver');
        },
      },
    });
    const { host, port, httpPath, auth } = this.settings;
    const common = { host, port, path: httpPath, telemetryEnabled: false, userAgentEntry: 'cloudpulse', retryMaxAttempts: 1, socketTimeout: this.options.requestTimeoutMs };
    const options: ConnectionOptions =
      auth.kind === 'token'
        ? { ...common, authType: 'access-token', token: auth.token }
        : { ...common, authType: 'databricks-oauth', oauthClientId: auth.clientId, oauthClientSecret: auth.clientSecret };
    try {
      await client.connect(options);
      // The driver asks for Arrow unless told otherwise; the older column-based row sets stay selectable.
      client.getConfig().arrowEnabled = this.options.resultFormat === 'arrow';
      const session = await client.openSession();
      this.client = client;
      this.session = session;
      return session;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }
}
