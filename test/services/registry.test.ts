// @services registry
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';

import { expectLoopbackOnly } from './expect-loopback-only.js';
import { service, serviceSettings } from './index.js';

const readingV1 = {
  type: 'record',
  name: 'Reading',
  namespace: 'dev.cloudpulse.smoke',
  fields: [
    { name: 'station', type: 'string' },
    { name: 'celsius', type: 'double' },
  ],
};

const readingV2 = {
  ...readingV1,
  fields: [...readingV1.fields, { name: 'quality', type: ['null', 'string'], default: null }],
};

describe('registry (schema-registry stand-in) through @kafkajs/confluent-schema-registry', () => {
  const registry = new SchemaRegistry({ host: serviceSettings('registry').url });

  it('binds 127.0.0.1 only', () => {
    expectLoopbackOnly(service('registry'));
  });

  it('registers and fetches an Avro schema, and encodes and decodes with it', async () => {
    const subject = 'smoke-readings-value';
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV1) }, { subject });
    expect(id).toBeGreaterThan(0);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
    expect(await registry.getRegistryId(subject, 1)).toBe(id);

    // A fresh client has no cache: the schema comes from GET /schemas/ids/{id}.
    const fresh = new SchemaRegistry({ host: serviceSettings('registry').url });
    const fetched = await fresh.getSchema(id);
    expect(JSON.parse(JSON.stringify(fetched))).toMatchObject({ name: 'dev.cloudpulse.smoke.Reading' });

    const encoded = await registry.encode(id, { station: 'Oslo', celsius: -3.25 });
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the 4-byte schema id
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await fresh.decode(encoded)).toEqual({ station: 'Oslo', celsius: -3.25 });
  });

  it('keeps ids stable and numbers versions per subject', async () => {
    const subject = 'smoke-evolving-value';
    const first = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV1) }, { subject });
    const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV1, null, 2) }, { subject });
    expect(again.id).toBe(first.id);
    const second = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV2) }, { subject });
    expect(second.id).not.toBe(first.id);
    expect(await registry.getRegistryId(subject, 2)).toBe(second.id);
    expect(await registry.getLatestSchemaId(subject)).toBe(second.id);
    expect(await registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: JSON.stringify(readingV1) })).toBe(first.id);
  });

  it('stores the compatibility level the client sets and refuses a different one', async () => {
    const subject = 'smoke-compat-value';
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV1) }, { subject, compatibility: COMPATIBILITY.FULL });
    const config = await fetch(`${serviceSettings('registry').url}/config/${subject}`);
    expect(await config.json()).toEqual({ compatibilityLevel: 'FULL' });
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(readingV2) }, { subject, compatibility: COMPATIBILITY.BACKWARD }),
    ).rejects.toThrow(/Compatibility does not match/);
  });
});
