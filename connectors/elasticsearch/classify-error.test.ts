import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../engine/index.js';
import { classifyBulkItem, classifyElasticsearchError } from './classify-error.js';

describe('classifyBulkItem', () => {
  it('counts 2xx, a 409 (stale version, document already in a data stream) and a 404 delete as written', () => {
    expect(classifyBulkItem('index', 'i', { status: 201 }).kind).toBe('ok');
    expect(classifyBulkItem('index', 'i', { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'current version [5] is higher' } }).kind).toBe('ok');
    expect(classifyBulkItem('create', 'i', { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'document already exists' } }).kind).toBe('ok');
    expect(classifyBulkItem('delete', 'i', { status: 404 }).kind).toBe('ok');
  });

  it('retries 429 and 5xx items, naming a flood-stage block', () => {
    expect(classifyBulkItem('index', 'i', { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } })).toEqual({ kind: 'retry', reason: '429 es_rejected_execution_exception: queue full' });
    expect(classifyBulkItem('index', 'i', { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } }).kind).toBe('retry');
    const blocked = classifyBulkItem('index', 'logs', { status: 429, error: { type: 'cluster_block_exception', reason: 'index [logs] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark]' } });
    expect(blocked.kind === 'retry' && blocked.reason).toContain('index logs is read-only');
  });

  it('rejects a document the mapping refuses, with the reason and the field', () => {
    const outcome = classifyBulkItem('index', 'i', {
      status: 400,
      error: { type: 'document_parsing_exception', reason: "[1:40] failed to parse field [amount] of type [double] in document with id 'k1'", caused_by: { type: 'number_format_exception', reason: 'For input string: "abc"' } },
    });
    expect(outcome).toEqual({
      kind: 'reject',
      field: 'amount',
      detail: `400 document_parsing_exception: [1:40] failed to parse field [amount] of type [double] in document with id 'k1'; caused by number_format_exception: For input string: "abc"`,
    });
    const strict = classifyBulkItem('index', 'i', { status: 400, error: { type: 'strict_dynamic_mapping_exception', reason: '[1:2] mapping set to strict, dynamic introduction of [extra] within [_doc] is not allowed' } });
    expect(strict.kind === 'reject' && strict.field).toBe('extra');
  });

  it('stops on a closed, read-only, missing or forbidden index with a message that says so', () => {
    const closed = classifyBulkItem('index', 'sales', { status: 400, error: { type: 'index_closed_exception', reason: 'closed' } });
    expect(closed.kind === 'fatal' && closed.error.message).toMatch(/index sales is closed/);
    const readOnly = classifyBulkItem('index', 'sales', { status: 403, error: { type: 'cluster_block_exception', reason: 'index [sales] blocked by: [FORBIDDEN/8/index write (api)];' } });
    expect(readOnly.kind === 'fatal' && readOnly.error.message).toMatch(/index sales is read-only/);
    expect(classifyBulkItem('index', 'x', { status: 404, error: { type: 'index_not_found_exception', reason: 'no such index [x]' } }).kind).toBe('fatal');
    expect(classifyBulkItem('index', 'x', { status: 403, error: { type: 'security_exception', reason: 'action unauthorized' } }).kind).toBe('fatal');
  });
});

describe('classifyElasticsearchError', () => {
  const response = (statusCode: number, body: unknown): errors.ResponseError =>
    new errors.ResponseError({ body, statusCode, headers: {}, warnings: null, meta: {} as never });

  it('retries lost connections, timeouts, 429 and 5xx', () => {
    expect(classifyElasticsearchError(new errors.ConnectionError('socket hang up'), 'bulk')).toBeInstanceOf(TransientError);
    expect(classifyElasticsearchError(new errors.TimeoutError('Request timed out'), 'bulk')).toBeInstanceOf(TransientError);
    expect(classifyElasticsearchError(response(429, { error: { type: 'circuit_breaking_exception', reason: 'data too large' } }), 'bulk')).toBeInstanceOf(TransientError);
    const unavailable = classifyElasticsearchError(response(503, { error: { type: 'master_not_discovered_exception', reason: 'no master' } }), 'bulk');
    expect(unavailable).toBeInstanceOf(TransientError);
    expect(unavailable.code).toBe('elasticsearch_503');
  });

  it('does not retry other failures, and says what to do about a 413 or a server that is not 9.x', () => {
    const tooLarge = classifyElasticsearchError(response(413, ''), 'bulk');
    expect(tooLarge).toBeInstanceOf(PermanentError);
    expect(tooLarge.message).toContain('maxBulkBytes');
    const media = classifyElasticsearchError(response(400, { error: { type: 'media_type_header_exception', reason: 'Invalid media-type value on headers [Accept]' } }), 'checking');
    expect(media.message).toContain('Elasticsearch 9.x');
    expect(classifyElasticsearchError(new Error('surprise'), 'x')).toBeInstanceOf(PermanentError);
  });

  it('blanks secrets out of the message', () => {
    const error = classifyElasticsearchError(new errors.ConnectionError('connect to http://elastic:hunter2@h failed'), 'bulk', ['hunter2']);
    expect(error.message).not.toContain('hunter2');
  });
});
