import { describe, expect, it } from 'vitest';
import { MergeStatement, ROW_OVERHEAD_BYTES, splitBySize, type EncodedRow } from './merge-statement.js';

describe('MergeStatement', () => {
  const merge = new MergeStatement('`s`.`bars`', ['symbol', 'window_start', 'close', 'offset'], ['symbol', 'window_start']);

  it('merges on the key with a guarded WHEN MATCHED, aliases on an inner VALUES, unchanged rows left out of the source', () => {
    const sql = merge.build([
      { literals: "'A', TIMESTAMP '2024-01-02 14:30:00.000000Z', 1.5D, 1L", isDelete: false },
      { literals: "'B', TIMESTAMP '2024-01-02 14:30:00.000000Z', CAST(NULL AS DOUBLE), 2L", isDelete: false },
    ]);
    expect(sql).toBe(
      "MERGE INTO `s`.`bars` AS t USING (SELECT v.* FROM VALUES ('A', TIMESTAMP '2024-01-02 14:30:00.000000Z', 1.5D, 1L), " +
        "('B', TIMESTAMP '2024-01-02 14:30:00.000000Z', CAST(NULL AS DOUBLE), 2L) AS v(`symbol`, `window_start`, `close`, `offset`) " +
        'LEFT ANTI JOIN `s`.`bars` AS x ON x.`symbol` = v.`symbol` AND x.`window_start` = v.`window_start` AND x.`close` <=> v.`close` AND x.`offset` <=> v.`offset`) AS s ' +
        'ON t.`symbol` = s.`symbol` AND t.`window_start` = s.`window_start` ' +
        'WHEN MATCHED AND NOT (t.`close` <=> s.`close` AND t.`offset` <=> s.`offset`) THEN UPDATE SET `close` = s.`close`, `offset` = s.`offset` ' +
        'WHEN NOT MATCHED THEN INSERT (`symbol`, `window_start`, `close`, `offset`) VALUES (s.`symbol`, s.`window_start`, s.`close`, s.`offset`)',
    );
    expect(sql).not.toMatch(/\) AS s\(/);
  });

  it('adds a delete flag and its clauses only when a row deletes', () => {
    const sql = merge.build([
      { literals: "'A', TIMESTAMP '2024-01-02 14:30:00.000000Z', 1.5D, 1L", isDelete: false },
      { literals: "'B', TIMESTAMP '2024-01-02 14:30:00.000000Z', CAST(NULL AS DOUBLE), CAST(NULL AS BIGINT)", isDelete: true },
    ]);
    expect(sql).toContain("1L, FALSE), ('B'");
    expect(sql).toContain('CAST(NULL AS BIGINT), TRUE) AS v(`symbol`, `window_start`, `close`, `offset`, `_cloudpulse_delete`) LEFT ANTI JOIN');
    // A delete is never taken out of the source, whatever the stored row holds.
    expect(sql).toContain('x.`offset` <=> v.`offset` AND NOT v.`_cloudpulse_delete`) AS s');
    expect(sql).toContain('WHEN MATCHED AND s.`_cloudpulse_delete` THEN DELETE WHEN MATCHED AND NOT s.`_cloudpulse_delete` AND NOT (');
    expect(sql).toContain('WHEN NOT MATCHED AND NOT s.`_cloudpulse_delete` THEN INSERT');
  });

  it('bounds target and anti-join by the key ranges it is given, so Delta can skip files', () => {
    const sql = merge.build([{ literals: "'A', TIMESTAMP '2024-01-02 14:30:00.000000Z', 1.5D, 1L", isDelete: false }], false, [
      { column: 'window_start', min: "TIMESTAMP '2024-01-02 14:30:00.000000Z'", max: "TIMESTAMP '2024-01-02 15:30:00.000000Z'" },
    ]);
    expect(sql).toContain("x.`offset` <=> v.`offset` AND x.`window_start` BETWEEN TIMESTAMP '2024-01-02 14:30:00.000000Z' AND TIMESTAMP '2024-01-02 15:30:00.000000Z') AS s");
    expect(sql).toContain("ON t.`symbol` = s.`symbol` AND t.`window_start` = s.`window_start` AND t.`window_start` BETWEEN TIMESTAMP '2024-01-02 14:30:00.000000Z' AND TIMESTAMP '2024-01-02 15:30:00.000000Z' WHEN");
  });

  it('has no UPDATE clause for a table of key columns only', () => {
    const keysOnly = new MergeStatement('`t`', ['a', 'b'], ['a', 'b']);
    const sql = keysOnly.build([{ literals: "'x', 1L", isDelete: false }]);
    expect(sql).not.toContain('UPDATE');
    expect(sql).toContain('WHEN NOT MATCHED THEN INSERT (`a`, `b`) VALUES (s.`a`, s.`b`)');
  });

  it('counts its overhead so that splitting can keep statements under a size', () => {
    const rows: EncodedRow[] = Array.from({ length: 100 }, (_, i) => ({ literals: `'k${i}', TIMESTAMP '2024-01-02 14:30:00.000000Z', ${i}.5D, ${i}L`, isDelete: false }));
    const limit = 2_000;
    const runs = splitBySize(rows, limit, merge.overheadBytes(false));
    expect(runs.flat()).toEqual(rows);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(Buffer.byteLength(merge.build(run), 'utf8')).toBeLessThanOrEqual(limit);
    // Bytes, not UTF-16 units: multi-byte text counts fully.
    const wide: EncodedRow[] = [{ literals: `'${'日'.repeat(300)}'`, isDelete: false }, { literals: `'${'日'.repeat(300)}'`, isDelete: false }];
    expect(splitBySize(wide, 1_500 + ROW_OVERHEAD_BYTES, 100)).toHaveLength(2);
  });

  it('gives a row larger than the limit a statement of its own', () => {
    const rows: EncodedRow[] = [{ literals: "'a'", isDelete: false }, { literals: `'${'x'.repeat(5_000)}'`, isDelete: false }, { literals: "'b'", isDelete: false }];
    expect(splitBySize(rows, 1_000, 100).map((run) => run.length)).toEqual([1, 1, 1]);
  });
});
