import { describe, expect, it } from 'vitest';
import { monthLabel, quarterLabel } from './calendar-labels.js';

const at = (iso: string): number => Date.parse(iso);

describe('monthLabel', () => {
  it('is the UTC month of the instant, zero-padded', () => {
    expect(monthLabel(at('1996-07-01T00:00:00Z'))).toBe('1996-07');
    expect(monthLabel(at('1996-12-31T23:59:59.999Z'))).toBe('1996-12');
    // 23:30 on 31 January in New York is already February in UTC.
    expect(monthLabel(at('2017-01-31T23:30:00-05:00'))).toBe('2017-02');
  });

  it('pads years below 1000 to four digits', () => {
    const date = new Date(0);
    date.setUTCFullYear(812, 2, 1);
    expect(monthLabel(date.getTime())).toBe('0812-03');
  });
});

describe('quarterLabel', () => {
  it('maps January–March to Q1 … October–December to Q4 (UTC)', () => {
    expect(quarterLabel(at('2017-01-01T00:00:00Z'))).toBe('2017-Q1');
    expect(quarterLabel(at('2017-03-31T23:59:59.999Z'))).toBe('2017-Q1');
    expect(quarterLabel(at('2017-04-01T00:00:00Z'))).toBe('2017-Q2');
    expect(quarterLabel(at('2017-09-30T12:00:00Z'))).toBe('2017-Q3');
    expect(quarterLabel(at('2017-12-31T23:59:59.999Z'))).toBe('2017-Q4');
  });
});
