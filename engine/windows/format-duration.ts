const units: readonly (readonly [number, string])[] = [
  [7 * 86_400_000, 'w'],
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

/** A short human form of a duration for assigner descriptions: `1m`, `90s`, `1w`, `250ms`. */
export function formatDuration(ms: number): string {
  for (const [size, suffix] of units) if (ms !== 0 && ms % size === 0) return `${ms / size}${suffix}`;
  return `${ms}ms`;
}
