/** `YYYY-MM` of a UTC instant, e.g. the `month` column of a table aggregated by `calendar('month')` windows. */
export function monthLabel(epochMs: number): string {
  const date = new Date(epochMs);
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** `YYYY-Qn` of a UTC instant (quarters start in January, April, July, October). */
export function quarterLabel(epochMs: number): string {
  const date = new Date(epochMs);
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}
