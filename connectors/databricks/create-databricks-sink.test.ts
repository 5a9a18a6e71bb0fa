import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/index.js';
import { databricksSinkConfigSchema, resolveDatabricksConnection } from './config.js';
import { createDatabricksSink, isDatabricksUrl } from './create-databricks-sink.js';

const noEnv: NodeJS.ProcessEnv = {};

describe('createDatabricksSink', () => {
  it('reads host, port, HTTP path, token and sink settings from a databricks:// URL', () => {
    const sink = createDatabricksSink('databricks://token:dapi123@dbc-1.cloud.databricks.com:8443/sql/1.0/warehouses/abc?catalog=main&schema=analytics&pipeline=p1', { env: noEnv });
    expect(sink.target).toBe('databricks://dbc-1.cloud.databricks.com:8443/sql/1.0/warehouses/abc main.analytics');
    expect(sink.target).not.toContain('dapi123');
    const viaParameter = createDatabricksSink('databricks://h.example?http_path=/sql/1.0/warehouses/x&schema=s', { env: { DATABRICKS_TOKEN: 'dapi-env' } });
    expect(viaParameter.target).toBe('databricks://h.example:443/sql/1.0/warehouses/x s');
    expect(isDatabricksUrl('databricks://x')).toBe(true);
    expect(isDatabricksUrl('postgres://x')).toBe(false);
  });

  it('takes connection settings missing from the config from DATABRICKS_* variables', () => {
    const config = databricksSinkConfigSchema.parse({ type: 'databricks' });
    expect(resolveDatabricksConnection(config, { DATABRICKS_HOST: 'https://dbc-2.cloud.databricks.com/', DATABRICKS_HTTP_PATH: 'sql/1.0/warehouses/y', DATABRICKS_TOKEN: 't' })).toEqual({
      host: 'dbc-2.cloud.databricks.com',
      port: 443,
      httpPath: '/sql/1.0/warehouses/y',
      auth: { kind: 'token', token: 't' },
    });
    expect(resolveDatabricksConnection(config, { DATABRICKS_HOST: 'h', DATABRICKS_HTTP_PATH: '/p', DATABRICKS_CLIENT_ID: 'id', DATABRICKS_CLIENT_SECRET: 's' }).auth).toEqual({
      kind: 'oauth-m2m',
      clientId: 'id',
      clientSecret: 's',
    });
  });

  it('fails at start naming the field, without showing the token', () => {
    const failure = (target: Parameters<typeof createDatabricksSink>[0], env = noEnv): ConfigError => {
      try {
        createDatabricksSink(target, { env, path: 'sinks.1' });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return error as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(failure({ type: 'databricks', httpPath: '/p', token: 't' }).path).toBe('sinks.1.host');
    expect(failure({ type: 'databricks', host: 'h', token: 't' }).path).toBe('sinks.1.httpPath');
    expect(failure({ type: 'databricks', host: 'h', httpPath: '/p' }).path).toBe('sinks.1.token');
    expect(failure({ type: 'databricks', host: 'h', httpPath: '/p', oauthClientId: 'id' }).path).toBe('sinks.1.oauthClientSecret');
    expect(failure({ type: 'databricks', host: 'h', httpPath: '/p', token: 't', maxStatementBytes: 10 }).path).toBe('sinks.1.maxStatementBytes');
    expect(failure({ type: 'databricks', host: 'h', httpPath: '/p', token: 't', stagingMinRows: 10 }).path).toBe('sinks.1.stagingVolume');
    expect(failure({ type: 'databricks', host: 'h', httpPath: '/p', token: 't', stagingVolume: '/tmp/x' }).path).toBe('sinks.1.stagingVolume');
    const badUrl = failure('databricks://token:dapi-secret@h/p?maxStatementBytes=lots');
    expect(badUrl.path).toBe('sinks.1.maxStatementBytes');
    expect(badUrl.message).not.toContain('dapi-secret');
    expect(failure({ type: 'databricks', host: 'h', httpPath: '/p', token: 't', schema: 'a\u0000b' } as never).path).toBe('schema');
  });
});
