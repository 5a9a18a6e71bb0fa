import { EngineError, PermanentError, TransientError } from '../../engine/index.js';

/** What the sink does with a failure, decided in one place from the SQLSTATE, Spark's error class or the transport error. */
export interface DatabricksErrorKind {
  /** Trying again may succeed: throttling, a starting warehouse, a lost connection or session, a concurrent commit. */
  readonly retryable: boolean;
  /** The warehouse rejected a value of a row (constraint, bad cast): isolate the row and dead-letter it. */
  readonly rowLevel: boolean;
  /** The session (or the connection under it) is gone: open a new one before the next statement. */
  readonly sessionLost: boolean;
  /** Spark's error class (`DELTA_NOT_NULL_CONSTRAINT_VIOLATED`), else the SQLSTATE, HTTP status or socket code, else `unknown`. */
  readonly code: string;
  readonly errorClass: string | undefined;
  readonly sqlState: string | undefined;
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'ERR_SOCKET_CLOSED', 'UND_ERR_SOCKET']);
// Error classes worth another attempt: Delta's optimistic-concurrency conflicts (another writer committed
// first), throttling, a warehouse that is starting or scaling.
const RETRYABLE_CLASS = /^(DELTA_CONCURRENT_|DELTA_METADATA_CHANGED|DELTA_PROTOCOL_CHANGED|CONCURRENT_)|THROTTL|RATE_LIMIT|TEMPORARILY_UNAVAILABLE|WAREHOUSE_.*(START|STOPP|UNAVAILABLE)|SERVICE_UNAVAILABLE|RESOURCE_EXHAUSTED/;
const SESSION_LOST = /INVALID_SESSION|SESSION_EXPIRED|SESSION_NOT_FOUND|SESSION_CLOSED|Invalid SessionHandle|Invalid OperationHandle|session (has )?expired|DBSQLClient: not connected/i;
// Rejected values of one row: constraint violations and casts that a row's value fails.
const ROW_LEVEL_CLASS = /^(DELTA_NOT_NULL_CONSTRAINT_VIOLATED|DELTA_VIOLATE_CONSTRAINT_WITH_VALUES|DELTA_VIOLATE_CONSTRAINT|DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE|CAST_INVALID_INPUT|CAST_OVERFLOW|NUMERIC_VALUE_OUT_OF_RANGE|DATETIME_OVERFLOW|INVALID_TIMESTAMP|CHECK_CONSTRAINT_VIOLATION|NOT_NULL_CONSTRAINT_VIOLATION)/;
const RETRYABLE_HTTP = new Set([408, 429, 500, 502, 503, 504]);

/** Classifies any error the `@databricks/sql` driver raises (statement errors, status errors, HTTP and socket errors). */
export function databricksErrorKind(error: unknown): DatabricksErrorKind {
  const message = errorMessage(error);
  const fields = error as { response?: { sqlState?: unknown; errorMessage?: unknown }; statusCode?: unknown; code?: unknown; errno?: unknown; payload?: unknown; errorCode?: unknown };
  const errorClass = /^\s*\[([A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)?)\]/.exec(message)?.[1] ?? /\[([A-Z][A-Z0-9_]{3,})\]/.exec(String(fields.response?.errorMessage ?? ''))?.[1];
  const sqlState = stringField(fields.response?.sqlState) ?? /SQLSTATE:?\s*([0-9A-Z]{5})\b/.exec(message)?.[1];
  const httpStatus = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const socketCode = stringField(fields.code) ?? stringField(fields.errno);
  const code = errorClass ?? sqlState ?? (httpStatus === undefined ? undefined : `http_${httpStatus}`) ?? socketCode ?? 'unknown';
  const kind = (retryable: boolean, rowLevel: boolean, sessionLost: boolean): DatabricksErrorKind => ({ retryable, rowLevel, sessionLost, code, errorClass, sqlState });

  if (SESSION_LOST.test(message) || (errorClass !== undefined && SESSION_LOST.test(errorClass))) return kind(true, false, true);
  if (errorClass !== undefined && RETRYABLE_CLASS.test(errorClass)) return kind(true, false, false);
  if (errorClass !== undefined && ROW_LEVEL_CLASS.test(errorClass)) return kind(false, true, false);
  if (sqlState !== undefined) {
    const sqlClass = sqlState.slice(0, 2);
    // 08 connection exception; 40 transaction rollback (serialization); 53 insufficient resources; 57 server shutting down or cancelled.
    if (sqlClass === '08') return kind(true, false, true);
    if (sqlClass === '40' || sqlClass === '53' || sqlClass === '57') return kind(true, false, false);
    // 22 data exception (bad cast, overflow), 23 integrity constraint (NOT NULL, CHECK), 21 cardinality (two source rows for one target row).
    if (sqlClass === '22' || sqlClass === '23' || sqlClass === '21') return kind(false, true, false);
    return kind(false, false, false);
  }
  if (httpStatus !== undefined) return kind(RETRYABLE_HTTP.has(httpStatus), false, RETRYABLE_HTTP.has(httpStatus));
  if (socketCode !== undefined && SOCKET_CODES.has(socketCode)) return kind(true, false, true);
  // The driver's own retries ran out (HTTP 429/5xx, or a network error such as a dropped keep-alive socket, on
  // a retryable call; a Thrift command rewords that as `Hive driver: <status> when connecting to resource. Max
  // retry count exceeded.`, dropping the cause), or a request timed out on the wire.
  if (
    fields.errorCode === 'ATTEMPTS_EXCEEDED' ||
    fields.errorCode === 'TIMEOUT_EXCEEDED' ||
    /Request timed out|socket hang up|network timeout|Premature close|ECONNRESET|ECONNREFUSED|when connecting to resource\. (Max retry count|Retry timeout) exceeded/i.test(message)
  ) {
    return kind(true, false, true);
  }
  return kind(false, false, false);
}

/**
 * Turns a driver error into the engine's error: `TransientError` (retried by the runtime) or
 * `PermanentError`, with code `databricks_<error class or SQLSTATE>` and a message naming what the sink was
 * doing. `secrets` (token, OAuth secret) are blanked out of the message whatever the driver said.
 */
export function classifyDatabricksError(error: unknown, action: string, secrets: readonly string[] = []): EngineError {
  if (error instanceof EngineError) return error;
  const kind = databricksErrorKind(error);
  let message = `databricks: ${action}: ${describeDatabricksError(error)}`;
  for (const secret of secrets) if (secret.length > 0) message = message.replaceAll(secret, '***');
  const options = { cause: error, code: `databricks_${kind.code}` };
  return kind.retryable ? new TransientError(message, options) : new PermanentError(message, options);
}

/** The warehouse's message (first line of a long Spark message) with the SQLSTATE when it gave one apart from the text. */
export function describeDatabricksError(error: unknown): string {
  const message = errorMessage(error);
  const firstLines = message.split('\n').slice(0, 3).join(' ').trim();
  const sqlState = stringField((error as { response?: { sqlState?: unknown } }).response?.sqlState);
  return sqlState !== undefined && !message.includes(sqlState) ? `${firstLines} (SQLSTATE ${sqlState})` : firstLines;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
