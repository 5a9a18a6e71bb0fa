import type { DeadLetter } from '../dead-letter.js';

/**
 * The dead-letter destination (a file, a Kafka topic, a table). `write` resolves when the letters
 * are durable: the runner writes a batch's dead letters before it acknowledges the batch's positions.
 */
export interface DeadLetterSink {
  readonly name: string;
  write(letters: readonly DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}

/** Keeps dead letters in memory (tests, and the CLI summary when no destination is configured). */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly name = 'memory';
  readonly letters: DeadLetter[] = [];
  async write(letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
  async close(): Promise<void> {}
}
