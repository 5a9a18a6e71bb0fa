import type { DeadLetterReason } from './errors.js';
import type { SourcePosition } from './record.js';

/**
 * A record that left the engine through the dead-letter destination (DESIGN.md invariant 1):
 * where it came from, why, and enough detail (field, raw text) for a person to fix it.
 */
export interface DeadLetter {
  readonly position: SourcePosition;
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly field?: string;
  /** The raw input (a CSV line, JSON text, base64 bytes) when the source still has it. */
  readonly raw?: string;
}
