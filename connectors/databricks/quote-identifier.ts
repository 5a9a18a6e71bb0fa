import { ConfigError } from '../../engine/index.js';

/**
 * Quotes an identifier for Spark SQL: always in backticks, embedded backticks doubled, so keywords
 * (`offset`, `partition`), spaces and unicode mean exactly themselves. Names no catalog can hold (empty,
 * control characters) fail with a `ConfigError` naming `path`.
 */
export function quoteIdentifier(name: string, path = 'identifier'): string {
  checkIdentifier(name, path);
  return `\`${name.replaceAll('`', '``')}\``;
}

/** `` `catalog`.`schema`.`table` ``, or two parts without a catalog. */
export function qualifiedName(catalog: string | undefined, schema: string, table: string): string {
  const parts = [...(catalog === undefined ? [] : [quoteIdentifier(catalog, 'catalog')]), quoteIdentifier(schema, 'schema'), quoteIdentifier(table, `table ${table}`)];
  return parts.join('.');
}

/** Throws a `ConfigError` when `name` cannot be a Spark identifier as given. */
export function checkIdentifier(name: string, path: string): void {
  if (name.length === 0) throw new ConfigError(path, 'an identifier must not be empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ConfigError(path, `identifier ${JSON.stringify(name)} contains a control character`);
  if (name.length > 255) throw new ConfigError(path, `identifier ${JSON.stringify(name.slice(0, 40))}… is longer than 255 characters`);
}
