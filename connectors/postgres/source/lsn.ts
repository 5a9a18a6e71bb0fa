/**
 * A PostgreSQL log sequence number (`16/B374D848`) as a plain number of bytes into the WAL. Numbers are
 * exact up to 2^53 bytes (8 PiB of WAL), far beyond any server's lifetime, and let LSNs travel as the
 * engine's `SourcePosition.offset`.
 */
export function parseLsn(text: string): number {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (match === null) throw new Error(`not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return Number.parseInt(match[1]!, 16) * 2 ** 32 + Number.parseInt(match[2]!, 16);
}

/** The server's text form of an LSN (`16/B374D848`). */
export function formatLsn(lsn: number): string {
  if (!Number.isSafeInteger(lsn) || lsn < 0) throw new Error(`not a valid LSN number: ${lsn}`);
  const high = Math.floor(lsn / 2 ** 32);
  const low = lsn - high * 2 ** 32;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}
