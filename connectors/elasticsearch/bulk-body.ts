/** Bytes a new body starts with: a 1,000-document request of short rows fits without growing. */
const INITIAL_BYTES = 256 * 1024;

/**
 * The NDJSON body of one `_bulk` request, written into one buffer as each operation is encoded. A
 * request in flight then holds a single buffer instead of thousands of strings: those would live as long
 * as the request, outgrow the young generation and cost a full garbage collection each (the sink's main
 * cost per document before). Sent as-is: the transport passes a `Buffer` `bulkBody` through without
 * serialising it again. Reused by {@link BulkBodyPool} once its request is answered.
 */
export class BulkBody {
  private buffer: Buffer;
  private used = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** UTF-8 bytes written so far. */
  get byteLength(): number {
    return this.used;
  }

  /** Appends `text` (one or more complete NDJSON lines) as UTF-8 and returns the bytes it took. */
  append(text: string): number {
    // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4).
    const worstCase = this.used + text.length * 3;
    if (worstCase > this.buffer.length) this.grow(worstCase);
    const written = this.buffer.write(text, this.used, 'utf8');
    this.used += written;
    return written;
  }

  /** The body written so far: a view on the buffer, valid until {@link reset} or the next append. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.used);
  }

  reset(): void {
    this.used = 0;
  }

  private grow(needed: number): void {
    const larger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(larger, 0, 0, this.used);
    this.buffer = larger;
  }
}

/**
 * Bodies kept between requests. It never holds more than were taken at once: two per request in flight
 * (one sent, the next being encoded). A body is given back only once its request was answered, when the
 * socket no longer reads it; one whose request failed is left to the garbage collector.
 */
export class BulkBodyPool {
  private readonly spare: BulkBody[] = [];

  take(): BulkBody {
    const body = this.spare.pop() ?? new BulkBody();
    body.reset();
    return body;
  }

  give(body: BulkBody): void {
    this.spare.push(body);
  }

  clear(): void {
    this.spare.length = 0;
  }
}
