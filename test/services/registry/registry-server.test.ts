import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryServer } from './registry-server.js';

// The stand-in's REST behaviour beyond what the client library exercises, on an in-process server.
describe('schema-registry stand-in REST API', () => {
  const server = createRegistryServer();
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  };

  it('answers Confluent error codes for unknown subjects, versions and ids', async () => {
    expect(await call('GET', '/subjects/none/versions/latest')).toEqual({ status: 404, json: expect.objectContaining({ error_code: 40401 }) });
    expect(await call('GET', '/schemas/ids/999')).toEqual({ status: 404, json: expect.objectContaining({ error_code: 40403 }) });
    expect(await call('GET', '/config/none')).toEqual({ status: 404, json: expect.objectContaining({ error_code: 40408 }) });
    await call('POST', '/subjects/a-value/versions', { schema: '"string"' });
    expect(await call('GET', '/subjects/a-value/versions/7')).toEqual({ status: 404, json: expect.objectContaining({ error_code: 40402 }) });
    expect(await call('POST', '/subjects/a-value', { schema: '"long"' })).toEqual({ status: 404, json: expect.objectContaining({ error_code: 40403 }) });
  });

  it('shares one id for the same schema across subjects and lists subjects and versions', async () => {
    const a = await call('POST', '/subjects/shared-a/versions', { schema: '{"type":"int"}' });
    const b = await call('POST', '/subjects/shared-b/versions', { schema: '{ "type" : "int" }' });
    expect(a.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect((await call('GET', '/subjects')).json).toEqual(expect.arrayContaining(['shared-a', 'shared-b']));
    expect((await call('GET', '/subjects/shared-b/versions')).json).toEqual([1]);
    expect((await call('DELETE', '/subjects/shared-b')).json).toEqual([1]);
    expect((await call('GET', '/subjects')).json).not.toContain('shared-b');
  });

  it('refuses compatibility checks instead of pretending schemas are compatible', async () => {
    await call('POST', '/subjects/c-value/versions', { schema: '"string"' });
    const check = await call('POST', '/compatibility/subjects/c-value/versions/latest', { schema: '"int"' });
    expect(check.status).toBe(501);
    expect(check.json).toEqual(expect.objectContaining({ error_code: 50101 }));
  });

  it('validates the compatibility level it stores', async () => {
    expect(await call('PUT', '/config/d-value', { compatibility: 'sideways' })).toEqual({ status: 422, json: expect.objectContaining({ error_code: 42203 }) });
    expect(await call('PUT', '/config/d-value', { compatibility: 'forward' })).toEqual({ status: 200, json: { compatibility: 'FORWARD' } });
    expect(await call('GET', '/config')).toEqual({ status: 200, json: { compatibilityLevel: 'BACKWARD' } });
  });

  it('rejects an Avro schema that does not parse, naming the problem', async () => {
    const broken = JSON.stringify({ type: 'record', name: 'Broken', fields: [{ name: 'x', type: 'nope' }] });
    const answer = await call('POST', '/subjects/b-value/versions', { schema: broken });
    expect(answer).toEqual({ status: 422, json: { error_code: 42201, message: expect.stringContaining('nope') } });
  });

  it('keeps JSON and PROTOBUF schema types and validates JSON syntax', async () => {
    const json = await call('POST', '/subjects/j-value/versions', { schemaType: 'JSON', schema: '{"type":"object"}' });
    expect(json.status).toBe(200);
    const id = (json.json as { id: number }).id;
    expect((await call('GET', `/schemas/ids/${id}`)).json).toEqual({ schema: '{"type":"object"}', schemaType: 'JSON' });
    expect((await call('POST', '/subjects/j-value/versions', { schemaType: 'JSON', schema: '{not json' })).status).toBe(422);
  });
});
