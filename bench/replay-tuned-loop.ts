import { open } from 'node:fs/promises';
import type { BarWindow, ContenderResult } from './replay-windows.js';

const CHUNK_BYTES = 1 << 20;
const MINUTE_MS = 60_000;
const LF = 10;
const CR = 13;
const COMMA = 44;
const DOT = 46;
const SLOTS = 4096;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

class TunedBar {
  open: number;
  openTime: number;
  high: number;
  low: number;
  close: number;
  closeTime: number;
  volume: number;
  priceVolume: number;
  count = 1;

  constructor(
    readonly symbol: number,
    readonly start: number,
    price: number,
    time: number,
    volume: number,
  ) {
    this.open = price;
    this.openTime = time;
    this.high = price;
    this.low = price;
    this.close = price;
    this.closeTime = time;
    this.volume = volume;
    this.priceVolume = price * volume;
  }
}

/**
 * Baseline (b): a hand-written loop tuned for this one file shape. 1 MiB reads into one buffer;
 * timestamps in the fixed form `YYYY-MM-DDTHH:MM:SS.mmmZ` read from the bytes, with the
 * date-hour-minute prefix (which is also the window start) reused while it repeats; prices and
 * volumes as decimal mantissa ÷ power of ten (the same double as `Number(text)` for ≤ 15 digits);
 * symbols interned by a byte hash to small ids; bars in a Map keyed by minute × slots + symbol id,
 * with each symbol's current bar cached. Anything off that shape throws.
 */
export async function runTunedLoop(file: string): Promise<ContenderResult> {
  const symbolNames: string[] = [];
  const symbolBytes: Buffer[] = [];
  const slots = new Int32Array(SLOTS).fill(-1);
  const bars = new Map<number, TunedBar>();
  const current: (TunedBar | undefined)[] = [];
  const prefix = Buffer.alloc(16);
  let prefixStart = Number.NaN;
  let records = 0;

  const fail = (buf: Buffer, p: number, what: string): never => {
    const end = buf.indexOf(LF, p);
    throw new Error(`record ${records + 1}: ${what} in ${JSON.stringify(buf.toString('latin1', p, end < 0 ? p + 80 : end))}`);
  };

  const minuteStart = (buf: Buffer, p: number): number => {
    const d = (i: number): number => {
      const v = buf[p + i]! - 48;
      if (v < 0 || v > 9) fail(buf, p, 'bad timestamp');
      return v;
    };
    if (buf[p + 4] !== 45 || buf[p + 7] !== 45 || buf[p + 10] !== 84 || buf[p + 13] !== 58 || buf[p + 16] !== 58 || buf[p + 19] !== DOT || buf[p + 23] !== 90) fail(buf, p, 'timestamp not in YYYY-MM-DDTHH:MM:SS.mmmZ form');
    const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    buf.copy(prefix, 0, p, p + 16);
    return Date.UTC(year, d(5) * 10 + d(6) - 1, d(8) * 10 + d(9), d(11) * 10 + d(12), d(14) * 10 + d(15));
  };

  const sameDate = (buf: Buffer, p: number): boolean => {
    for (let k = 0; k < 11; k++) if (buf[p + k] !== prefix[k]) return false;
    return true;
  };

  const symbolAt = (buf: Buffer, p: number, end: number, hash: number): number => {
    let slot = (hash ^ (hash >>> 13)) & (SLOTS - 1);
    for (;;) {
      const id = slots[slot]!;
      if (id < 0) break;
      const bytes = symbolBytes[id]!;
      if (bytes.length === end - p) {
        let k = 0;
        while (k < bytes.length && bytes[k] === buf[p + k]) k++;
        if (k === bytes.length) return id;
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
    const id = symbolNames.length;
    symbolNames.push(buf.toString('utf8', p, end));
    symbolBytes.push(Buffer.from(buf.subarray(p, end)));
    current.push(undefined);
    slots[slot] = id;
    return id;
  };

  /** Parses the complete lines in `buf[p, end)` (`end` just after an LF). */
  const parseLines = (buf: Buffer, p: number, end: number): void => {
    while (p < end) {
      let c = buf[p]!;
      if (c === LF || c === CR) {
        p++;
        continue;
      }
      // Timestamp: reuse the minute while its 16-byte prefix repeats (minute digits compared first).
      if (buf[p + 15] !== prefix[15] || buf[p + 14] !== prefix[14] || buf[p + 12] !== prefix[12] || buf[p + 11] !== prefix[11] || !sameDate(buf, p)) {
        prefixStart = minuteStart(buf, p);
      }
      const s0 = buf[p + 17]! - 48;
      const s1 = buf[p + 18]! - 48;
      const m0 = buf[p + 20]! - 48;
      const m1 = buf[p + 21]! - 48;
      const m2 = buf[p + 22]! - 48;
      if (buf[p + 24] !== COMMA || (s0 | s1 | m0 | m1 | m2) < 0 || s0 > 5 || s1 > 9 || m0 > 9 || m1 > 9 || m2 > 9) fail(buf, p, 'bad timestamp');
      const start = prefixStart;
      const time = start + (s0 * 10 + s1) * 1000 + m0 * 100 + m1 * 10 + m2;
      // Symbol: FNV-1a while scanning to the comma.
      let q = p + 25;
      let hash = 0x811c9dc5;
      c = buf[q]!;
      while (c !== COMMA) {
        if (c === LF) fail(buf, p, 'missing fields');
        hash = Math.imul(hash ^ c, 0x01000193);
        c = buf[++q]!;
      }
      const symbol = symbolAt(buf, p + 25, q, hash);
      // Price: digits, optional fraction.
      let mantissa = 0;
      let digits = 0;
      let scale = 0;
      c = buf[++q]!;
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        c = buf[++q]!;
      }
      if (c === DOT) {
        c = buf[++q]!;
        while (c >= 48 && c <= 57) {
          mantissa = mantissa * 10 + (c - 48);
          digits++;
          scale++;
          c = buf[++q]!;
        }
      }
      if (c !== COMMA || digits === 0 || digits > 15) fail(buf, p, 'bad price');
      const price = mantissa / POW10[scale]!;
      // Volume: an integer up to the line end.
      let volume = 0;
      digits = 0;
      c = buf[++q]!;
      while (c >= 48 && c <= 57) {
        volume = volume * 10 + (c - 48);
        digits++;
        c = buf[++q]!;
      }
      if (c === CR) c = buf[++q]!;
      if (c !== LF || digits === 0 || digits > 15) fail(buf, p, 'bad volume');
      p = q + 1;
      records++;

      let bar = current[symbol];
      if (bar === undefined || bar.start !== start) {
        const key = (start / MINUTE_MS) * SLOTS + symbol;
        bar = bars.get(key);
        if (bar === undefined) {
          bars.set(key, (current[symbol] = new TunedBar(symbol, start, price, time, volume)));
          continue;
        }
        current[symbol] = bar;
      }
      if (time < bar.openTime) {
        bar.open = price;
        bar.openTime = time;
      }
      if (time >= bar.closeTime) {
        bar.close = price;
        bar.closeTime = time;
      }
      if (price > bar.high) bar.high = price;
      if (price < bar.low) bar.low = price;
      bar.volume += volume;
      bar.priceVolume += price * volume;
      bar.count++;
    }
  };

  const handle = await open(file, 'r');
  try {
    // One spare byte for an LF after a last line without one.
    let buf = Buffer.allocUnsafe(CHUNK_BYTES + 1);
    let filled = 0;
    let header = true;
    for (;;) {
      if (filled === buf.length - 1) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - 1 - filled, null);
      filled += bytesRead;
      const eof = bytesRead === 0;
      if (eof && filled > 0 && buf[filled - 1] !== LF) buf[filled++] = LF;
      // (lastIndexOf with a negative offset would search from the buffer's end.)
      const last = filled === 0 ? -1 : buf.lastIndexOf(LF, filled - 1);
      if (last >= 0) {
        let p = 0;
        if (header) {
          p = buf.indexOf(LF) + 1;
          header = false;
        }
        parseLines(buf, p, last + 1);
        buf.copyWithin(0, last + 1, filled);
        filled -= last + 1;
      }
      if (eof) break;
    }
  } finally {
    await handle.close();
  }
  return {
    records,
    windows: () => [...bars.values()].map((b): BarWindow => [symbolNames[b.symbol]!, b.start, b.open, b.high, b.low, b.close, b.volume, b.priceVolume / b.volume, b.count]),
  };
}
