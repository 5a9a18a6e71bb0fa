import { readFile } from 'node:fs/promises';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { ConfigError, TransientError } from '../../engine/index.js';
import type { KafkaSourceConfig } from './config.js';

/** A message value decoded into a plain value, or why it cannot be (the record is dead-lettered). */
export type DecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'decode_error'; readonly detail: string };

/**
 * Decodes message values. Synchronous for JSON and for Avro with known schemas; a schema id seen for
 * the first time is fetched from the registry (`prepare`) before the batch is decoded.
 */
export interface ValueDecoder {
  /** Fetches what decoding these messages' values needs (Avro schemas by id); transient failures throw `TransientError`. */
  prepare(messages: readonly { readonly value: Buffer | null }[]): Promise<void>;
  decode(value: Buffer | null): DecodeResult;
}

const CONFLUENT_MAGIC = 0;

/** Decodes UTF-8 JSON values. */
export class JsonDecoder implements ValueDecoder {
  async prepare(): Promise<void> {}

  decode(value: Buffer | null): DecodeResult {
    if (value === null) return { ok: false, reason: 'decode_error', detail: 'empty value (tombstone)' };
    try {
      return { ok: true, value: JSON.parse(value.toString('utf8')) as unknown };
    } catch (error) {
      return { ok: false, reason: 'decode_error', detail: `invalid JSON: ${(error as Error).message}` };
    }
  }
}

/** The schema id of a Confluent wire-format value, or why the value is not in that format. */
function wireSchemaId(value: Buffer | null): number | string {
  if (value === null) return 'empty value (tombstone)';
  if (value.length < 5) return `${value.length} bytes: too short for the Confluent wire format (magic byte + 4-byte schema id)`;
  if (value[0] !== CONFLUENT_MAGIC) return `magic byte ${value[0]}: not the Confluent wire format (expected 0)`;
  return value.readInt32BE(1);
}

/**
 * Decodes Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary). Schemas come
 * from the registry by id (cached), or from one `.avsc` file whatever id the message names.
 */
export class AvroDecoder implements ValueDecoder {
  private readonly types = new Map<number, avro.Type>();
  private readonly unknown = new Map<number, string>();

  private constructor(
    private readonly registry: SchemaRegistry | undefined,
    private readonly fixedType: avro.Type | undefined,
  ) {}

  static async create(config: NonNullable<KafkaSourceConfig['avro']>, path: string): Promise<AvroDecoder> {
    if ('registry' in config) return new AvroDecoder(new SchemaRegistry({ host: config.registry }), undefined);
    let text: string;
    try {
      text = await readFile(config.schemaFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`${path}.schemaFile`, `cannot read ${config.schemaFile}: ${(error as Error).message}`);
    }
    try {
      return new AvroDecoder(undefined, avro.Type.forSchema(JSON.parse(text) as avro.Schema));
    } catch (error) {
      throw new ConfigError(`${path}.schemaFile`, `${config.schemaFile} is not a valid Avro schema: ${(error as Error).message}`);
    }
  }

  async prepare(messages: readonly { readonly value: Buffer | null }[]): Promise<void> {
    if (this.registry === undefined) return;
    for (const { value } of messages) {
      const id = wireSchemaId(value);
      if (typeof id !== 'number' || this.types.has(id) || this.unknown.has(id)) continue;
      try {
        const schema = await this.registry.getSchema(id);
        this.types.set(id, schema as unknown as avro.Type);
      } catch (error) {
        const status = (error as { status?: number }).status;
        // 404: the registry does not know the id; anything else (refused, 5xx) may pass.
        if (status === 404 || /not found/i.test((error as Error).message)) this.unknown.set(id, (error as Error).message);
        else throw new TransientError(`schema registry: fetching schema ${id}: ${(error as Error).message}`, { cause: error, code: 'schema_registry_unavailable' });
      }
    }
  }

  decode(value: Buffer | null): DecodeResult {
    const id = wireSchemaId(value);
    if (typeof id !== 'number') return { ok: false, reason: 'decode_error', detail: id };
    const type = this.fixedType ?? this.types.get(id);
    if (type === undefined) return { ok: false, reason: 'decode_error', detail: `unknown schema id ${id}${this.unknown.has(id) ? `: ${this.unknown.get(id)}` : ''}` };
    try {
      return { ok: true, value: type.fromBuffer(value!.subarray(5)) as unknown };
    } catch (error) {
      return { ok: false, reason: 'decode_error', detail: `invalid Avro for schema ${id}: ${(error as Error).message}` };
    }
  }
}

/** The decoder a source config asks for; `path` names the config field in errors. */
export async function createValueDecoder(config: KafkaSourceConfig, path: string): Promise<ValueDecoder> {
  if (config.format === 'json') return new JsonDecoder();
  return AvroDecoder.create(config.avro!, `${path}.avro`);
}
