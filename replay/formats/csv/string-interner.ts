import { END } from './scan-end.js';

const SLOTS = 1024;
const SLOT_BYTES = 32;
/** After this many look-ups a column whose values rarely repeat stops being interned. */
const PROBATION = 4096;

/**
 * Returns one shared string per distinct short byte sequence (ticker symbols, country codes,
 * categories), so a column of repeated values costs a hash and a compare per row instead of a
 * decode and an allocation. A column whose values mostly differ (ids) turns interning off for itself.
 */
export class StringInterner {
  private readonly keys = new Uint8Array(SLOTS * SLOT_BYTES);
  private readonly lengths = new Int32Array(SLOTS).fill(-1);
  private readonly values: string[] = new Array<string>(SLOTS).fill('');
  private lookups = 0;
  private misses = 0;
  private enabled = true;
  private judged = false;

  constructor(private readonly decode: (buf: Buffer, start: number, end: number) => string) {}

  /**
   * Scans an unquoted field from `start` to the next comma, CR or LF (which the caller guarantees
   * exists), hashing as it goes; sets `END[0]` to where it stopped and returns the interned text.
   */
  scan(buf: Buffer, start: number): string {
    let hash = 0x811c9dc5;
    let i = start;
    let c = buf[i]!;
    while (c !== 44 && c !== 10 && c !== 13) {
      hash = Math.imul(hash ^ c, 0x01000193);
      c = buf[++i]!;
    }
    END[0] = i;
    const length = i - start;
    if (!this.enabled || length > SLOT_BYTES) return this.decode(buf, start, i);
    return this.lookup(buf, start, i, hash ^ length);
  }

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (!this.enabled || length > SLOT_BYTES) return this.decode(buf, start, end);
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    return this.lookup(buf, start, end, hash ^ length);
  }

  private lookup(buf: Buffer, start: number, end: number, hash: number): string {
    const length = end - start;
    const slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
    const base = slot * SLOT_BYTES;
    const keys = this.keys;
    if (this.lengths[slot] === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (keys[base + i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.lookups++;
        return this.values[slot]!;
      }
    }
    const value = this.decode(buf, start, end);
    for (let i = 0; i < length; i++) keys[base + i] = buf[start + i]!;
    this.lengths[slot] = length;
    this.values[slot] = value;
    this.misses++;
    if (++this.lookups >= PROBATION && !this.judged) {
      this.judged = true;
      this.enabled = this.misses * 2 <= this.lookups;
    }
    return value;
  }
}
