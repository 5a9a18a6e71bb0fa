/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Epoch ms of a `YYYY-MM-DD` date at 00:00 UTC. */
export function dayOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** `YYYY-MM-DD` of an epoch-ms instant (UTC). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** True on Saturday and Sunday (UTC). */
export function isWeekend(ms: number): boolean {
  const weekday = new Date(ms).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** The next weekday strictly after `ms` (00:00 UTC steps). */
export function nextWeekday(ms: number): number {
  let day = ms + DAY_MS;
  while (isWeekend(day)) day += DAY_MS;
  return day;
}
