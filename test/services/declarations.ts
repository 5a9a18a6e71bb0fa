import { readFileSync } from 'node:fs';

import { parseServiceNames } from './modules.js';
import type { ServiceName } from './types.js';

const PRAGMA = /@services\b(.*)$/;

/**
 * The servers a test file declares in its leading comment block, e.g. a first line
 * `// @services postgres kafka`. Only comments before the first line of code count, so that a string in the
 * test body never starts a server.
 */
export function declaredServices(source: string, file = '<source>'): ServiceName[] {
  const names: string[] = [];
  let inBlock = false;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const isComment = inBlock || line.startsWith('//') || line.startsWith('/*');
    if (!isComment) break;
    if (line.startsWith('/*')) inBlock = true;
    if (inBlock && line.includes('*/')) inBlock = false;
    const match = PRAGMA.exec(line);
    if (match?.[1] !== undefined) {
      names.push(
        ...match[1]
          .replace(/\*\/.*$/, '')
          .split(/[\s,]+/)
          .filter((name) => name !== ''),
      );
    }
  }
  return parseServiceNames(names, file);
}

/** The union of the servers that the given test files declare. */
export function servicesForFiles(files: readonly string[]): ServiceName[] {
  const all: string[] = [];
  for (const file of files) all.push(...declaredServices(readFileSync(file, 'utf8'), file));
  return parseServiceNames(all, 'test files');
}
