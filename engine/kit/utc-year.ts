/** The calendar year (UTC) of an instant, e.g. of a `calendar('year')` window's start. */
export function utcYear(epochMs: number): number {
  return new Date(epochMs).getUTCFullYear();
}

/** Epoch ms of 1 January 00:00 UTC of a year; any year, unlike `Date.UTC`, which maps 0–99 to 1900–1999. */
export function yearStart(year: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, 0, 1);
  return date.getTime();
}
