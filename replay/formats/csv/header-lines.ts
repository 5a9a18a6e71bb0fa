import { open } from 'node:fs/promises';
import type { ReadOptions } from '../../../engine/index.js';
import { decoderFor } from './text-decoder.js';

/**
 * The first `count` physical lines of a text file, decoded (default UTF-8), without a byte-order
 * mark or line terminators: what `InputSpec.readOptions` looks at to choose a layout (daily bars,
 * a 3-line yfinance header, ticks). Reads only as much of the file as those lines need.
 */
export async function readFirstLines(path: string, count: number, encoding?: ReadOptions['encoding']): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.alloc(64 * 1024);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.alloc(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      if (bytesRead === 0 || countLines(buf, filled) >= count) break;
    }
    let start = 0;
    if ((encoding ?? 'utf-8') === 'utf-8' && filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    const text = decoderFor(encoding)(buf, start, filled);
    const lines = text.split(/\r\n|\n|\r/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.slice(0, count);
  } finally {
    await handle.close();
  }
}

/** Same as `readFirstLines`, under the name the replay API uses for CSV headers. */
export const readCsvHeaderLines = readFirstLines;

/** Complete lines in `buf[0, end)`: LF, CRLF and a lone CR each end one (a CR at the very end may be half a CRLF). */
function countLines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = buf[i];
    if (c === 10 || (c === 13 && i + 1 < end && buf[i + 1] !== 10)) n++;
  }
  return n;
}
