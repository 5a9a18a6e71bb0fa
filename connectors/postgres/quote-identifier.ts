import { ConfigError } from '../../engine/index.js';

/** PostgreSQL silently truncates longer identifiers (NAMEDATALEN - 1 bytes), which could merge two names. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quotes an identifier for SQL text: always double-quoted, embedded quotes doubled, so any name
 * (keywords, spaces, semicolons, unicode, mixed case) means exactly itself. Names PostgreSQL cannot
 * hold (empty, NUL, over 63 bytes) fail with a `ConfigError` naming `path`.
 */
export function quoteIdentifier(name: string, path = 'identifier'): string {
  checkIdentifier(name, path);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`, both parts quoted. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema, 'schema')}.${quoteIdentifier(table, `table ${table}`)}`;
}

/** Throws a `ConfigError` when PostgreSQL could not store `name` exactly as given. */
export function checkIdentifier(name: string, path: string): void {
  if (name.length === 0) throw new ConfigError(path, 'an identifier must not be empty');
  if (name.includes('\u0000')) throw new ConfigError(path, `identifier ${JSON.stringify(name)} contains a NUL character, which PostgreSQL cannot store`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new ConfigError(path, `identifier ${JSON.stringify(name)} is ${bytes} bytes long; PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES} and would truncate it`);
  }
}
