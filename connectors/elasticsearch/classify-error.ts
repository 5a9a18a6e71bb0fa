import { errors } from '@elastic/elasticsearch';
import { EngineError, PermanentError, TransientError } from '../../engine/index.js';
import type { BulkAction } from './table-target.js';

/** An error object as Elasticsearch reports it (per bulk item, or as the body of a failed request). */
export interface ElasticsearchErrorCause {
  readonly type?: string;
  readonly reason?: string | null;
  readonly caused_by?: ElasticsearchErrorCause;
}

/** One item of a bulk response (`items[i].index`, `.create` or `.delete`). */
export interface BulkItemResult {
  readonly status: number;
  readonly error?: ElasticsearchErrorCause;
}

/** What the sink does with one document after a bulk request. */
export type ItemOutcome =
  | { readonly kind: 'ok' }
  /** Throttled or a server-side failure: send this document again (and only it) after a backoff. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** The document itself is refused (mapping, bad value): dead-letter it, the batch goes on. */
  | { readonly kind: 'reject'; readonly detail: string; readonly field?: string }
  /** The index refuses every write (closed, read-only, missing, forbidden): stop with this error. */
  | { readonly kind: 'fatal'; readonly error: PermanentError };

/**
 * Decides the fate of one bulk item, in one place. 2xx is written; 409 is a stale external version or a
 * document a data stream already holds (the write is redundant: success); 404 of a delete is a document
 * already gone. 429 and 5xx are retried. A closed index (400 `index_closed_exception`), a write block
 * (403 `cluster_block_exception`), a missing index that cannot be created, and 401/403 stop the pipeline
 * with a clear error — dead-lettering the rest of the stream would not help. Any other 4xx rejects the
 * document: dead-lettered with Elasticsearch's reason and, when it names one, the field.
 */
export function classifyBulkItem(action: BulkAction, index: string, item: BulkItemResult): ItemOutcome {
  const { status, error } = item;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 409) return { kind: 'ok' };
  if (status === 404 && action === 'delete' && error === undefined) return { kind: 'ok' };
  const type = error?.type ?? `http_${status}`;
  const reason = describeCause(error) || `status ${status}`;
  if (status === 429 || status >= 500) {
    const blocked = type === 'cluster_block_exception' ? `index ${index} is read-only (${reason})` : reason;
    return { kind: 'retry', reason: `${status} ${type}: ${blocked}` };
  }
  if (type === 'index_closed_exception') {
    return fatal('elasticsearch_index_closed', `elasticsearch: index ${index} is closed: open it (POST /${index}/_open) or write to another index`);
  }
  if (type === 'cluster_block_exception') {
    return fatal('elasticsearch_index_read_only', `elasticsearch: index ${index} is read-only (${reason}): lift the block (PUT /${index}/_settings {"index.blocks.write": false, "index.blocks.read_only": false}) or write to another index`);
  }
  if (type === 'index_not_found_exception') {
    return fatal('elasticsearch_index_missing', `elasticsearch: index ${index} does not exist and the cluster does not create it on write (${reason})`);
  }
  if (status === 401 || status === 403) return fatal('elasticsearch_forbidden', `elasticsearch: writing to ${index} is not allowed: ${status} ${type}: ${reason}`);
  const field = fieldOf(error);
  return { kind: 'reject', detail: `${status} ${type}: ${reason}`, ...(field === undefined ? {} : { field }) };
}

function fatal(code: string, message: string): ItemOutcome {
  return { kind: 'fatal', error: new PermanentError(message, { code }) };
}

/** `reason; caused by: reason…`, as far as Elasticsearch nests it. */
export function describeCause(cause: ElasticsearchErrorCause | undefined): string {
  const parts: string[] = [];
  for (let c = cause; c !== undefined && parts.length < 4; c = c.caused_by) {
    const text = c.reason ?? c.type;
    if (text !== undefined && text !== null && text !== '') parts.push(parts.length === 0 ? text : `caused by ${c.type ?? 'error'}: ${text}`);
  }
  return parts.join('; ');
}

/** The field a mapping error names (`failed to parse field [amount] of type [double]`, `introduction of [x]`). */
function fieldOf(cause: ElasticsearchErrorCause | undefined): string | undefined {
  for (let c = cause; c !== undefined; c = c.caused_by) {
    const match = /field \[([^\]]+)\]/.exec(c.reason ?? '') ?? /introduction of \[([^\]]+)\]/.exec(c.reason ?? '');
    if (match !== null) return match[1];
  }
  return undefined;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Turns an error of the client (a failed request, a lost connection, a timeout) into the engine's:
 * `TransientError` (retried by the runtime) for connection problems, timeouts, 429 and 5xx;
 * `PermanentError` otherwise, with a hint where one helps (413: lower `maxBulkBytes`; a media-type
 * error: the server is not 9.x). `secrets` are blanked out of the message whatever the server said.
 */
export function classifyElasticsearchError(error: unknown, action: string, secrets: readonly string[] = []): EngineError {
  if (error instanceof EngineError) return error;
  const { code, retryable, text } = describeClientError(error);
  let message = `elasticsearch: ${action}: ${text}`;
  for (const secret of secrets) if (secret.length > 0) message = message.replaceAll(secret, '***');
  const options = { cause: error, code: `elasticsearch_${code}` };
  return retryable ? new TransientError(message, options) : new PermanentError(message, options);
}

function describeClientError(error: unknown): { code: string; retryable: boolean; text: string } {
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    const body = error.body as { error?: ElasticsearchErrorCause | string } | string | undefined;
    const cause = typeof body === 'object' && body !== null && typeof body.error === 'object' ? body.error : undefined;
    const type = cause?.type ?? `http_${status}`;
    let text = `${status} ${type}: ${describeCause(cause) || (typeof body === 'string' ? body.slice(0, 300) : error.message)}`;
    if (status === 413) text += ' (lower maxBulkBytes below the cluster\'s http.max_content_length)';
    if (type === 'media_type_header_exception') text += ' (this sink uses the 9.x client: the server must be Elasticsearch 9.x)';
    return { code: String(status), retryable: RETRYABLE_STATUS.has(status), text };
  }
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) {
    return { code: 'connection', retryable: true, text: `${error.name}: ${error.message}` };
  }
  // A response cut off mid-way (connection lost while reading it) does not parse.
  if (error instanceof errors.DeserializationError) return { code: 'bad_response', retryable: true, text: `${error.name}: ${error.message}` };
  if (error instanceof errors.ProductNotSupportedError) return { code: 'not_elasticsearch', retryable: false, text: error.message };
  if (error instanceof Error) return { code: 'unknown', retryable: false, text: `${error.name}: ${error.message}` };
  return { code: 'unknown', retryable: false, text: String(error) };
}
