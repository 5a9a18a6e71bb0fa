import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/index.js';
import { describeConnection, resolveConnection } from './config.js';
import { createPostgresSink, isPostgresUrl } from './create-postgres-sink.js';

describe('resolveConnection', () => {
  it('takes fields over the URL, the URL over PG* variables, and PG* variables over defaults', () => {
    const env = { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGPASSWORD: 'envpass', PGDATABASE: 'envdb' };
    expect(resolveConnection({}, env)).toEqual({ host: 'envhost', port: 6000, user: 'envuser', password: 'envpass', database: 'envdb' });
    expect(resolveConnection({ url: 'postgres://u:p%40ss@urlhost:7000/urldb' }, env)).toEqual({ host: 'urlhost', port: 7000, user: 'u', password: 'p@ss', database: 'urldb' });
    expect(resolveConnection({ url: 'postgres://u@urlhost/urldb', host: 'fieldhost', port: 8000, database: 'fielddb' }, env)).toEqual({
      host: 'fieldhost',
      port: 8000,
      user: 'u',
      password: 'envpass',
      database: 'fielddb',
    });
  });

  it('defaults like libpq: localhost, 5432, a database named after the user', () => {
    const connection = resolveConnection({ user: 'alice' }, {});
    expect(connection).toEqual({ host: 'localhost', port: 5432, user: 'alice', password: undefined, database: 'alice' });
  });

  it('reads a Unix socket directory from ?host= and an IPv6 address without brackets', () => {
    expect(resolveConnection({ url: 'postgresql:///db?host=/var/run/postgresql' }, {}).host).toBe('/var/run/postgresql');
    expect(resolveConnection({ url: 'postgres://bob@[::1]:5433/db' }, {}).host).toBe('::1');
  });

  it('rejects a PGPORT that is not a port', () => {
    expect(() => resolveConnection({}, { PGPORT: 'abc' })).toThrow(ConfigError);
  });

  it('describes a connection without its password', () => {
    const text = describeConnection(resolveConnection({ url: 'postgres://u:topsecret@h:1/d' }, {}));
    expect(text).toBe('postgres://u@h:1/d');
    expect(text).not.toContain('topsecret');
  });
});

describe('createPostgresSink', () => {
  it('builds the sink from a URL, taking schema and pipeline from its query', () => {
    const sink = createPostgresSink('postgres://u:topsecret@db.example:5433/analytics?schema=cp&pipeline=nightly', { env: {} });
    expect(sink.target).toBe('postgres://u@db.example:5433/analytics schema cp');
    expect(sink.target).not.toContain('topsecret');
  });

  it('fails with the path of the offending field and never echoes the password', () => {
    expect(() => createPostgresSink({ type: 'postgres', url: 'mysql://u:topsecret@h/d' })).toThrow(/sink\.url: must be a postgres:\/\//);
    try {
      createPostgresSink({ type: 'postgres', url: 'mysql://u:topsecret@h/d' });
    } catch (error) {
      expect((error as ConfigError).message).not.toContain('topsecret');
    }
    expect(() => createPostgresSink({ type: 'postgres', port: 70_000 } as never)).toThrow(/sink\.port/);
    expect(() => createPostgresSink({ type: 'postgres', schema: 'x'.repeat(64) })).toThrow(/schema/);
  });

  it('recognises postgres URLs for the CLI', () => {
    expect(isPostgresUrl('postgres://h/d')).toBe(true);
    expect(isPostgresUrl('postgresql://h/d')).toBe(true);
    expect(isPostgresUrl('./out')).toBe(false);
  });
});
