import { EngineError, PermanentError, TransientError } from '../../engine/index.js';

// Protocol errors that mean "this member's generation is over": its commits must not be retried.
const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

interface KafkaJsErrorShape {
  readonly name?: string;
  readonly type?: string;
  readonly retriable?: boolean;
  readonly message?: string;
  readonly originalError?: unknown;
}

/** True when a kafkajs error says the consumer group moved to a new generation. */
export function isRebalanceError(error: unknown): boolean {
  const e = error as KafkaJsErrorShape | undefined;
  if (e === undefined || e === null) return false;
  if (e.type !== undefined && REBALANCE_TYPES.has(e.type)) return true;
  return e.originalError !== undefined && isRebalanceError(e.originalError);
}

// kafkajs wraps a lost connection in a non-retriable error when its own retries give up on it; a group
// coordinator "not found" is what it reports when no broker answered the lookup.
const CONNECTION_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSRequestTimeoutError', 'KafkaJSNoBrokerAvailableError', 'KafkaJSConnectionClosedError', 'KafkaJSGroupCoordinatorNotFound']);

function causedByLostConnection(error: unknown, depth = 0): boolean {
  const e = error as (KafkaJsErrorShape & { cause?: unknown }) | undefined;
  if (e === undefined || e === null || depth > 5) return false;
  if (e.name !== undefined && CONNECTION_ERRORS.has(e.name)) return true;
  return causedByLostConnection(e.cause, depth + 1) || causedByLostConnection(e.originalError, depth + 1);
}

/**
 * kafkajs errors → the engine's: those kafkajs marks retriable (connection lost, leader moving, coordinator
 * loading, request timeout) become `TransientError`, the rest `PermanentError`. `what` says what was done.
 */
export function classifyKafkaError(error: unknown, what: string): EngineError {
  if (error instanceof EngineError) return error;
  const e = (error ?? {}) as KafkaJsErrorShape;
  const message = `kafka: ${what}: ${e.message ?? String(error)}`;
  const code = `kafka_${(e.type ?? e.name ?? 'error').toLowerCase()}`;
  const transient = e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded' || causedByLostConnection(error);
  return transient ? new TransientError(message, { cause: error, code }) : new PermanentError(message, { cause: error, code });
}
