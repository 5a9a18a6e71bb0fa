import { formatPosition, type SourcePosition } from './record.js';

/** Why a record left the engine without reaching its sinks. Engine-defined codes plus free-form ones. */
export type DeadLetterReason = 'parse_error' | 'join_miss' | 'sink_rejected' | 'decode_error' | 'late' | (string & {});

/**
 * The root of every error the engine raises. `retryable` tells the runtime whether trying the
 * same operation again may succeed (a lost connection) or never will (a bad value).
 */
export class EngineError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Configuration that cannot work; raised at start and names the offending field's path. */
export class ConfigError extends EngineError {
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super('config_invalid', `${path === '' ? 'config' : path}: ${message}`, options);
    this.path = path;
  }
}

/** A record that cannot be read: names its source position and, when known, the field. */
export class RecordError extends EngineError {
  readonly position: SourcePosition;
  readonly field: string | undefined;
  readonly reason: DeadLetterReason;
  readonly detail: string;
  constructor(reason: DeadLetterReason, position: SourcePosition, detail: string, field?: string) {
    super(reason, `${formatPosition(position)}${field === undefined ? '' : ` field ${field}`}: ${detail}`);
    this.position = position;
    this.field = field;
    this.reason = reason;
    this.detail = detail;
  }
}

/** A transient failure of an external system (connection lost, throttled): worth retrying. */
export class TransientError extends EngineError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'transient', message, { retryable: true, cause: options.cause });
  }
}

/** A failure that will repeat however often it is retried (rejected value, missing permission). */
export class PermanentError extends EngineError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'permanent', message, { retryable: false, cause: options.cause });
  }
}

/**
 * A newer writer took over what this write touches (the pipeline, or a source partition a consumer group
 * moved to another process): nothing of the write committed, and trying again cannot succeed. While a
 * pipeline drains (a rebalance took partitions away, or a stop), the runner drops such a write instead of
 * failing: its records are the new owner's to process, from the positions that were durable.
 */
export class FencedError extends PermanentError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, { ...options, code: options.code ?? 'fenced' });
  }
}

/** True when an error is worth retrying; unknown errors are not (never loop forever on a surprise). */
export function isRetryable(error: unknown): boolean {
  return error instanceof EngineError && error.retryable;
}
