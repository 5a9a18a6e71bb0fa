import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';

import type { SchemaInput } from './registry-store.js';
import { RegistryError, RegistryStore } from './registry-store.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_BODY = 8 * 1024 * 1024;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new RegistryError(413, 41301, 'Request body too large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new RegistryError(400, 50005, 'Unrecognized JSON body');
  }
}

function schemaInput(body: unknown): SchemaInput {
  if (typeof body !== 'object' || body === null) throw new RegistryError(422, 42201, 'Invalid schema: body is not an object');
  return body as SchemaInput;
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

type Handler = (store: RegistryStore, params: string[], body: () => Promise<unknown>) => Promise<unknown> | unknown;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const SEGMENT = '([^/]+)';

const routes: readonly Route[] = [
  { method: 'GET', pattern: /^\/$/, handler: () => ({}) },
  { method: 'GET', pattern: /^\/subjects$/, handler: (store) => store.subjectNames() },
  { method: 'GET', pattern: new RegExp(`^/subjects/${SEGMENT}/versions$`), handler: (store, [subject = '']) => store.versionNumbers(subject) },
  {
    method: 'POST',
    pattern: new RegExp(`^/subjects/${SEGMENT}/versions$`),
    handler: async (store, [subject = ''], body) => store.register(subject, schemaInput(await body())),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/subjects/${SEGMENT}/versions/${SEGMENT}$`),
    handler: (store, [subject = '', version = '']) => store.version(subject, version),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/subjects/${SEGMENT}/versions/${SEGMENT}/schema$`),
    handler: (store, [subject = '', version = '']) => JSON.parse(store.version(subject, version).schema) as unknown,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/subjects/${SEGMENT}$`),
    handler: async (store, [subject = ''], body) => store.lookup(subject, schemaInput(await body())),
  },
  { method: 'DELETE', pattern: new RegExp(`^/subjects/${SEGMENT}$`), handler: (store, [subject = '']) => store.deleteSubject(subject) },
  { method: 'GET', pattern: /^\/schemas\/ids\/(\d+)$/, handler: (store, [id = '']) => store.schemaById(Number(id)) },
  { method: 'GET', pattern: /^\/schemas\/types$/, handler: () => ['AVRO', 'JSON', 'PROTOBUF'] },
  { method: 'GET', pattern: /^\/config$/, handler: (store) => ({ compatibilityLevel: store.getCompatibility() }) },
  {
    method: 'PUT',
    pattern: /^\/config$/,
    handler: async (store, _params, body) => ({ compatibility: store.setCompatibility(field(await body(), 'compatibility')) }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/config/${SEGMENT}$`),
    handler: (store, [subject = '']) => ({ compatibilityLevel: store.getCompatibility(subject) }),
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/config/${SEGMENT}$`),
    handler: async (store, [subject = ''], body) => ({ compatibility: store.setCompatibility(field(await body(), 'compatibility'), subject) }),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/compatibility/subjects/${SEGMENT}/versions(?:/${SEGMENT})?$`),
    handler: () => {
      // Answering "compatible" without checking would hide real incompatibilities: say plainly it is not done.
      throw new RegistryError(501, 50101, 'compatibility checks are not implemented by the cloudpulse schema-registry stand-in');
    },
  },
];

/**
 * The schema-registry stand-in: the subset of the Confluent Schema Registry REST API that
 * `@kafkajs/confluent-schema-registry` uses, backed by an in-memory {@link RegistryStore}. It checks no
 * compatibility rules.
 */
export function createRegistryServer(store = new RegistryStore()): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://registry.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const route = routes.find((candidate) => candidate.method === request.method && candidate.pattern.test(path));
    if (!route) {
      const known = routes.some((candidate) => candidate.pattern.test(path));
      send(response, known ? 405 : 404, { error_code: known ? 405 : 404, message: `${request.method} ${path} is not supported` });
      return;
    }
    const params = (route.pattern.exec(path) ?? []).slice(1).map((part) => decodeURIComponent(part ?? ''));
    Promise.resolve()
      .then(() => route.handler(store, params, () => readJson(request)))
      .then(
        (result) => send(response, 200, result),
        (error: unknown) => {
          if (error instanceof RegistryError) send(response, error.status, { error_code: error.errorCode, message: error.message });
          else send(response, 500, { error_code: 50001, message: (error as Error).message });
        },
      );
  });
}
