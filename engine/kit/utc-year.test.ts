import { describe, expect, it } from 'vitest';
import { utcYear, yearStart } from './utc-year.js';

describe('yearStart', () => {
  it('is 1 January 00:00 UTC of the year', () => {
    expect(yearStart(2020)).toBe(Date.parse('2020-01-01T00:00:00Z'));
    expect(yearStart(1960)).toBe(Date.parse('1960-01-01T00:00:00Z'));
    expect(yearStart(1970)).toBe(0);
  });

  it('keeps years 0–99 as they are (Date.UTC would map them to 1900–1999)', () => {
    expect(new Date(yearStart(50)).getUTCFullYear()).toBe(50);
    expect(yearStart(50)).not.toBe(Date.UTC(50, 0, 1));
  });
});

describe('utcYear', () => {
  it('is the UTC calendar year of an instant, the inverse of yearStart', () => {
    expect(utcYear(yearStart(2024))).toBe(2024);
    expect(utcYear(yearStart(2024) - 1)).toBe(2023);
    expect(utcYear(Date.parse('2023-12-31T20:00:00-05:00'))).toBe(2024);
  });
});
