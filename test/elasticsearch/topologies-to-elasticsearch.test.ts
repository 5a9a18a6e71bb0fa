// @services elasticsearch
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../cli/run-replay.js';
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import type { Cell, TableSpec } from '../../engine/index.js';
import { findTopology } from '../../topologies/index.js';
import { serviceSettings } from '../services/index.js';
import { readDocuments, testClient, type StoredDocument } from './read-index.js';
import { sortByKey } from './run-rows.js';

const DATA_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');

/** The real datasets the demo wires to Elasticsearch (crm-pipeline, salaries; nvda for nvda_signals). */
const CASES = [
  { topology: 'crm-pipeline', data: 'crm-sales-opportunities' },
  { topology: 'salaries', data: 'data-jobs-salaries' },
  { topology: 'nvda', data: 'nvidia-stock' },
] as const;

/** A JSON Lines table of the file sink as cells: timestamps back to epoch ms, as the sinks receive them. */
async function readJsonlTable(dir: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  const text = await readFile(join(dir, `${spec.name}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const parsed = JSON.parse(line) as Record<string, Cell>;
      const row: Record<string, Cell> = {};
      for (const column of spec.columns) {
        const value = parsed[column.name] ?? null;
        row[column.name] = column.type === 'timestamptz' && typeof value === 'string' ? Date.parse(value) : value;
      }
      return row;
    });
}

/** Documents as comparable values: `_id` and the declared columns of the source. */
function asRows(spec: TableSpec, documents: readonly StoredDocument[]): { id: string; row: Record<string, Cell> }[] {
  return documents.map((doc) => {
    const row: Record<string, Cell> = {};
    for (const column of spec.columns) row[column.name] = (doc.source[column.name] ?? null) as Cell;
    return { id: doc.id, row };
  });
}

describe('crm-pipeline, salaries and nvda tables in Elasticsearch equal the file sink output', () => {
  let client: Client;
  let outRoot: string;
  const prefix = `topo-${process.pid}-`;

  beforeAll(async () => {
    client = testClient(serviceSettings('elasticsearch').url);
    outRoot = await mkdtemp(join(tmpdir(), 'cloudpulse-es-vs-file-'));
  });

  afterAll(async () => {
    await client?.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
    await client?.indices.deleteIndexTemplate({ name: `cloudpulse.${prefix}*` }).catch(() => undefined);
    await client?.close();
    if (outRoot !== undefined) await rm(outRoot, { recursive: true, force: true });
  });

  for (const { topology: name, data } of CASES) {
    it(`${name}: every document equals its file row, and a second replay leaves the same documents`, async () => {
      const topology = findTopology(name)!;
      const dataDir = join(DATA_ROOT, data);
      if (!existsSync(dataDir)) throw new Error(`real dataset folder ${dataDir} is missing: this test needs ../shared/data`);
      const fileDir = join(outRoot, name);
      const viaFile = await runReplay({ topology, dataDir, sinks: [new FileSink({ dir: fileDir, format: 'jsonl', resume: false, fsync: false })] });
      const sink = () => createElasticsearchSink({ type: 'elasticsearch', nodes: [serviceSettings('elasticsearch').url], indexPrefix: prefix, replicas: 0 });
      const first = await runReplay({ topology, dataDir, sinks: [sink()] });

      expect(first.recordsIn).toBe(viaFile.recordsIn);
      expect(first.deadLetters.map((l) => [l.position, l.reason])).toEqual(viaFile.deadLetters.map((l) => [l.position, l.reason]));
      const firstDocuments = new Map<string, StoredDocument[]>();
      let total = 0;
      for (const spec of topology.outputs) {
        const expected = sortByKey(spec, await readJsonlTable(fileDir, spec));
        const documents = await readDocuments(client, `${prefix}${spec.name}`);
        firstDocuments.set(spec.name, documents);
        const stored = asRows(spec, documents);
        expect({ table: spec.name, documents: stored.length }).toEqual({ table: spec.name, documents: expected.length });
        expect(sortByKey(spec, stored.map((s) => s.row))).toEqual(expected);
        // `_id` is the key, independently rebuilt here from the file row (no key of these tables holds `|`).
        for (const { id, row } of stored) expect(id).toBe(spec.key.map((k) => String(row[k])).join('|'));
        total += stored.length;
      }
      expect(total).toBeGreaterThan(0);

      const second = await runReplay({ topology, dataDir, sinks: [sink()] });
      expect(second.deadLetters.length).toBe(first.deadLetters.length);
      for (const spec of topology.outputs) {
        const again = await readDocuments(client, `${prefix}${spec.name}`);
        const byId = (docs: readonly StoredDocument[]) => new Map(asRows(spec, docs).map(({ id, row }) => [id, row]));
        expect(again.length).toBe(firstDocuments.get(spec.name)!.length);
        expect(byId(again)).toEqual(byId(firstDocuments.get(spec.name)!));
      }
    }, 180_000);
  }
});
