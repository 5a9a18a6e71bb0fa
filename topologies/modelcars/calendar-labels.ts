/** `YYYY-MM` of a UTC instant (the `month` column of the monthly tables). */
export function monthLabel(epochMs: number): string {
  const date = new Date(epochMs);
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}
