import { describe, expect, it } from 'vitest';

import { declaredServices } from './declarations.js';

describe('@services declarations', () => {
  it('reads the names from the leading comment, in the launcher order', () => {
    expect(declaredServices('// @services spark kafka, postgres\nimport x from "y";\n')).toEqual(['postgres', 'kafka', 'spark']);
  });

  it('reads block comments and several lines, without duplicates', () => {
    const source = '/**\n * Smoke test.\n * @services elasticsearch\n * @services registry elasticsearch */\nexport {};\n';
    expect(declaredServices(source)).toEqual(['registry', 'elasticsearch']);
  });

  it('ignores the pragma after the first line of code', () => {
    expect(declaredServices('import x from "y";\n// @services kafka\n')).toEqual([]);
    expect(declaredServices('const s = "// @services kafka";\n')).toEqual([]);
  });

  it('rejects unknown names with the list of known ones', () => {
    expect(() => declaredServices('// @services kafka mysql\n', 'a.test.ts')).toThrow(/a\.test\.ts: unknown service 'mysql' \(known: postgres, kafka/);
  });
});
