import { EngineError, PermanentError, TransientError } from '../../engine/index.js';

/** What the sink does with a failure, decided from the SQLSTATE (or the socket error) in one place. */
export interface PostgresErrorKind {
  /** Trying again (on a new connection when `connectionLost`) may succeed. */
  readonly retryable: boolean;
  /** The server rejected a value of one row (data exception, constraint): isolate the row, dead-letter it. */
  readonly rowLevel: boolean;
  /** The connection cannot be used any more: drop it and connect again on the next attempt. */
  readonly connectionLost: boolean;
  /** The SQLSTATE, or the socket error code, or `unknown`. */
  readonly code: string;
}

// SQLSTATEs (https://www.postgresql.org/docs/15/errcodes-appendix.html) worth a retry besides whole classes 08 and 53.
const RETRYABLE_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement timeout, cancel request)
  '57P01', // admin_shutdown (pg_terminate_backend, server stop)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '58000', // system_error
  '58030', // io_error
  '25006', // read_only_sql_transaction (a failover to a standby that is being promoted)
]);
const CONNECTION_LOST_STATES = new Set(['57P01', '57P02', '57P03']);

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

// pg reports a lost or unusable connection with plain Errors that carry no code.
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout expired',
  'not queryable',
  'Client was closed',
  'server closed the connection',
  'Query read timeout',
];

/** Classifies any error thrown by `pg` (DatabaseError with a SQLSTATE, a socket error, or pg's own). */
export function postgresErrorKind(error: unknown): PostgresErrorKind {
  const code = errorCode(error);
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    const sqlClass = code.slice(0, 2);
    const connectionLost = sqlClass === '08' || CONNECTION_LOST_STATES.has(code);
    const retryable = connectionLost || sqlClass === '53' || RETRYABLE_STATES.has(code);
    // 22 data exception (bad number, date, encoding…), 23 integrity constraint (null key, check).
    const rowLevel = sqlClass === '22' || sqlClass === '23';
    return { retryable, rowLevel, connectionLost, code };
  }
  if (code !== undefined && SOCKET_CODES.has(code)) return { retryable: true, rowLevel: false, connectionLost: true, code };
  const message = error instanceof Error ? error.message : String(error);
  if (CONNECTION_MESSAGES.some((text) => message.includes(text))) return { retryable: true, rowLevel: false, connectionLost: true, code: 'connection_lost' };
  return { retryable: false, rowLevel: false, connectionLost: false, code: code ?? 'unknown' };
}

/**
 * Turns a `pg` error into the engine's error: `TransientError` (retried by the runtime) or
 * `PermanentError`, with code `postgres_<SQLSTATE>` and a message naming what the sink was doing.
 * `secrets` (the password) are blanked out of the message, whatever the server or driver said.
 */
export function classifyPostgresError(error: unknown, action: string, secrets: readonly string[] = []): EngineError {
  if (error instanceof EngineError) return error;
  const kind = postgresErrorKind(error);
  let message = `postgres: ${action}: ${describeError(error)}`;
  for (const secret of secrets) if (secret.length > 0) message = message.replaceAll(secret, '***');
  const options = { cause: error, code: `postgres_${kind.code}` };
  return kind.retryable ? new TransientError(message, options) : new PermanentError(message, options);
}

/** The server's message with its detail, column and SQLSTATE when it gave them. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fields = error as Error & { code?: unknown; detail?: unknown; column?: unknown; where?: unknown };
  const parts = [error.message || error.name];
  if (typeof fields.detail === 'string' && fields.detail !== '') parts.push(`detail: ${fields.detail}`);
  if (typeof fields.column === 'string' && fields.column !== '') parts.push(`column: ${fields.column}`);
  if (typeof fields.where === 'string' && fields.where !== '') parts.push(`where: ${fields.where}`);
  const code = errorCode(error);
  if (code !== undefined) parts.push(/^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : code);
  return parts.join('; ');
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
