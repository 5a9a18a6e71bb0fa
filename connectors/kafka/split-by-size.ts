import type { Message } from 'kafkajs';

// Record overhead in a v2 record batch (length, attributes, deltas, header count) is under this.
const RECORD_OVERHEAD = 32;

function size(message: Message): number {
  const bytes = (value: Message['value'] | Message['key']): number =>
    value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return bytes(message.key) + bytes(message.value) + RECORD_OVERHEAD;
}

/**
 * Splits messages into sends of at most `maxBytes` each (a broker rejects a request over its
 * `message.max.bytes`: "message larger than the max message size"). A single larger message still goes
 * alone, so the broker names it.
 */
export function splitBySize(messages: readonly Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const n = size(message);
    if (current.length > 0 && bytes + n > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
