import { describe, expect, it } from 'vitest';
import { highestPerPartition, type SourcePosition } from './record.js';

describe('highestPerPartition', () => {
  it('keeps the highest offset of each (source, partition), in first-seen order', () => {
    const at = (source: string, partition: string, offset: number): SourcePosition => ({ source, partition, offset });
    const positions = [at('t', '1', 5), at('t', '0', 9), at('t', '1', 7), at('u', '1', 2), at('t', '1', 6), at('t', '0', 3)];
    expect(highestPerPartition(positions)).toEqual([at('t', '1', 7), at('t', '0', 9), at('u', '1', 2)]);
    expect(highestPerPartition([])).toEqual([]);
  });
});
