import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** A JSON value as the worker returns it (see worker.py for the mapping of Spark types). */
export type SparkValue = null | boolean | number | string | SparkValue[] | { [key: string]: SparkValue };

/** The answer to one statement. */
export interface SparkResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** Positional rows, in the order of `columns`. */
  readonly rows: readonly (readonly SparkValue[])[];
  /** True when the statement produced more than `maxRows` rows. */
  readonly truncated: boolean;
}

/**
 * A statement the worker rejected: the Spark exception's message and (Python) class, plus Spark's own error
 * class (`TABLE_OR_VIEW_NOT_FOUND`, `DELTA_NOT_NULL_CONSTRAINT_VIOLATED`…) and SQLSTATE when Spark gave them.
 */
export class SparkSqlError extends Error {
  constructor(
    message: string,
    readonly errorClass: string,
    readonly statement: string,
    readonly sparkErrorClass?: string,
    readonly sqlState?: string,
  ) {
    super(message);
    this.name = 'SparkSqlError';
  }
}

/** A bound parameter: a Databricks type name (`STRING`, `BIGINT`, `TIMESTAMP`…) and the value as text; null is NULL. */
export interface SparkParameter {
  readonly type?: string;
  readonly value: string | null;
}

/** Options of one statement. */
export interface SparkSqlOptions {
  /** At most this many rows come back (default 10,000); `truncated` says when there were more. */
  readonly maxRows?: number;
  /** BIGINT values as decimal strings, exact above 2^53 (default: JSON numbers). */
  readonly longsAsStrings?: boolean;
  /** Named (`:name`) or positional (`?`) parameters. */
  readonly args?: Readonly<Record<string, SparkParameter>> | readonly SparkParameter[];
}

interface WorkerAnswer {
  readonly id: number;
  readonly ok: boolean;
  readonly columns?: SparkResult['columns'];
  readonly rows?: SparkResult['rows'];
  readonly truncated?: boolean;
  readonly error?: string;
  readonly errorClass?: string;
  readonly sparkErrorClass?: string;
  readonly sqlState?: string;
}

interface Pending {
  readonly statement: string;
  readonly resolve: (result: SparkResult) => void;
  readonly reject: (error: Error) => void;
}

/** A connection to the Spark SQL worker (JSON lines over loopback TCP). Statements run one at a time. */
export class SparkSqlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    const lines = createInterface({ input: socket });
    lines.on('line', (line) => this.onLine(line));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('spark worker connection closed')));
  }

  /** Connects to the worker at `host:port` (the `spark` service settings). */
  static connect(settings: { readonly host: string; readonly port: number }): Promise<SparkSqlClient> {
    return new Promise((resolveClient, reject) => {
      const socket = createConnection({ host: settings.host, port: settings.port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolveClient(new SparkSqlClient(socket));
      });
    });
  }

  /** Runs one SQL statement; rejects with {@link SparkSqlError} when Spark refuses it. */
  sql(statement: string, options: SparkSqlOptions = {}): Promise<SparkResult> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const request = {
      id,
      sql: statement,
      maxRows: options.maxRows ?? 10_000,
      ...(options.longsAsStrings === true ? { longsAsStrings: true } : {}),
      ...(options.args === undefined ? {} : { args: options.args }),
    };
    return new Promise((resolveResult, reject) => {
      this.pending.set(id, { statement, resolve: resolveResult, reject });
      this.socket.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Runs a query and returns its rows as objects keyed by column name. */
  async query(statement: string): Promise<Record<string, SparkValue>[]> {
    const result = await this.sql(statement);
    return result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column.name, row[i] ?? null])));
  }

  close(): void {
    this.socket.end();
  }

  private onLine(line: string): void {
    const answer = JSON.parse(line) as WorkerAnswer;
    const pending = this.pending.get(answer.id);
    if (!pending) return;
    this.pending.delete(answer.id);
    if (answer.ok) {
      pending.resolve({ columns: answer.columns ?? [], rows: answer.rows ?? [], truncated: answer.truncated ?? false });
    } else {
      pending.reject(new SparkSqlError(answer.error ?? 'unknown error', answer.errorClass ?? 'Exception', pending.statement, answer.sparkErrorClass, answer.sqlState));
    }
  }

  private failAll(error: Error): void {
    this.closedError ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
