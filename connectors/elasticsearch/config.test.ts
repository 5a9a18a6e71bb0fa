import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/index.js';
import { describeNodes, resolveAuth, resolveNodes } from './config.js';
import { createElasticsearchSink, isElasticsearchUrl } from './create-elasticsearch-sink.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('elasticsearch sink config', () => {
  it('reads node, index prefix, tables and refresh from an elasticsearch+http:// URL', () => {
    expect(isElasticsearchUrl('elasticsearch+http://127.0.0.1:9200')).toBe(true);
    expect(isElasticsearchUrl('elasticsearch+https://es.example:9243')).toBe(true);
    expect(isElasticsearchUrl('http://127.0.0.1:9200')).toBe(false);
    const sink = createElasticsearchSink('elasticsearch+http://127.0.0.1:9200?prefix=cp-&tables=salaries_by_title_year,nvda_signals&refresh=wait_for');
    expect(sink.target).toBe('elasticsearch http://127.0.0.1:9200');
    expect(sink.namedTables).toEqual([
      { path: 'sink.tables.0', table: 'salaries_by_title_year' },
      { path: 'sink.tables.1', table: 'nvda_signals' },
    ]);
  });

  it('names the field of a bad value, with the caller path', () => {
    expect(configError(() => createElasticsearchSink('elasticsearch+http://h:9200?refresh=sometimes', { path: 'sinks.2' })).path).toBe('sinks.2.refresh');
    expect(configError(() => createElasticsearchSink('elasticsearch+http://h:9200?concurrency=0', { path: 'sinks.0' })).path).toBe('sinks.0.concurrency');
    expect(configError(() => createElasticsearchSink('elasticsearch+http://h:9200?index=x', { path: 'sinks.0' })).path).toBe('sinks.0.index');
    expect(configError(() => createElasticsearchSink('elasticsearch+http://h:9200?prefix=Upper-')).path).toBe('sink.indexPrefix');
    expect(configError(() => createElasticsearchSink({ type: 'elasticsearch', nodes: ['ftp://h'] })).path).toBe('sink.nodes.0');
    expect(configError(() => createElasticsearchSink({ type: 'elasticsearch', nodes: ['http://h:9200'], apiKey: 'k', username: 'u' })).path).toBe('sink.apiKey');
    expect(configError(() => createElasticsearchSink({ type: 'elasticsearch', nodes: ['http://h:9200'], tls: { caFile: '/nonexistent/ca.pem' } })).path).toBe('sink.tls.caFile');
    const both = configError(() => createElasticsearchSink({ type: 'elasticsearch', nodes: ['http://h:9200'], tableSettings: { t: { monthlyBy: 'a', dataStreamTimestamp: 'b' } } }));
    expect(both.path).toBe('sink.tableSettings.t.monthlyBy');
  });

  it('never shows a password from the URL, in the target or in an error', () => {
    const sink = createElasticsearchSink('elasticsearch+http://elastic:s3cret@127.0.0.1:9200');
    expect(sink.target).not.toContain('s3cret');
    const error = configError(() => createElasticsearchSink('elasticsearch+http://elastic:s3cret@127.0.0.1:9200?refresh=no'));
    expect(error.message).not.toContain('s3cret');
    expect(describeNodes(['https://u:p@a:1', 'http://b:2/'])).toBe('https://a:1,http://b:2');
  });

  it('takes credentials from the config first, then ELASTICSEARCH_API_KEY, then ELASTICSEARCH_USERNAME/PASSWORD', () => {
    const env = { ELASTICSEARCH_API_KEY: 'envkey', ELASTICSEARCH_USERNAME: 'envuser', ELASTICSEARCH_PASSWORD: 'envpass' };
    expect(resolveAuth({ apiKey: 'k' }, env)).toEqual({ apiKey: 'k' });
    expect(resolveAuth({ username: 'u', password: 'p' }, env)).toEqual({ username: 'u', password: 'p' });
    expect(resolveAuth({ username: 'u' }, env)).toEqual({ username: 'u', password: 'envpass' });
    expect(resolveAuth({}, env)).toEqual({ apiKey: 'envkey' });
    expect(resolveAuth({}, { ELASTICSEARCH_USERNAME: 'envuser' })).toEqual({ username: 'envuser', password: '' });
    expect(resolveAuth({}, {})).toBeUndefined();
  });

  it('takes the nodes from the config, else from CLOUDPULSE_ELASTICSEARCH_URL, else fails naming the field', () => {
    expect(resolveNodes(['http://a:1'], 'sink', { CLOUDPULSE_ELASTICSEARCH_URL: 'http://b:2' })).toEqual(['http://a:1']);
    expect(resolveNodes(undefined, 'sink', { CLOUDPULSE_ELASTICSEARCH_URL: 'http://b:2, http://c:3' })).toEqual(['http://b:2', 'http://c:3']);
    expect(configError(() => resolveNodes(undefined, 'sinks.3', {})).path).toBe('sinks.3.nodes');
    const bad = configError(() => resolveNodes(undefined, 'sink', { CLOUDPULSE_ELASTICSEARCH_URL: 'b:2' }));
    expect(bad.path).toBe('sink.nodes');
    expect(createElasticsearchSink({ type: 'elasticsearch' }, { env: { CLOUDPULSE_ELASTICSEARCH_URL: 'http://u:pw@b:2' } }).target).toBe('elasticsearch http://b:2');
  });
});
