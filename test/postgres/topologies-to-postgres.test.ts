// @services postgres
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../cli/run-replay.js';
import { FileSink } from '../../connectors/file/file-sink.js';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import type { Cell, TableSpec, Topology } from '../../engine/index.js';
import { topologies } from '../../topologies/index.js';
import { readPostgresTable, sortRows } from './read-postgres-table.js';
import { openTestDatabase, type TestDatabase } from './test-database.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA_ROOT = resolve(PROJECT_ROOT, '..', 'shared', 'data');

/** The real dataset folder holding every input's default file (the same replay the file sink gets). */
function dataDirFor(topology: Topology): string {
  if (!existsSync(DATA_ROOT)) throw new Error(`real dataset folder ${DATA_ROOT} is missing: this test needs ../shared/data`);
  const candidates = readdirSync(DATA_ROOT, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  const match = candidates.find((entry) => topology.inputs.every((input) => existsSync(join(DATA_ROOT, entry.name, input.defaultFile))));
  if (match === undefined) throw new Error(`no folder of ${DATA_ROOT} holds every default input file of ${topology.name}`);
  return join(DATA_ROOT, match.name);
}

/** A JSON Lines table of the file sink as cells: timestamps back to epoch ms, as the sinks receive them. */
async function readJsonlTable(dir: string, spec: TableSpec): Promise<Record<string, Cell>[]> {
  const text = await readFile(join(dir, `${spec.name}.jsonl`), 'utf8');
  const rows = text
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
  return sortRows(spec, rows);
}

describe('every built-in topology writes the same tables to PostgreSQL as to the file sink', () => {
  let db: TestDatabase;
  let outRoot: string;

  beforeAll(async () => {
    db = await openTestDatabase('topologies');
    outRoot = await mkdtemp(join(tmpdir(), 'cloudpulse-pg-vs-file-'));
  });

  afterAll(async () => {
    await db?.close();
    if (outRoot !== undefined) await rm(outRoot, { recursive: true, force: true });
  });

  it('has topologies to compare', () => {
    expect(topologies.length).toBeGreaterThan(0);
  });

  for (const topology of topologies) {
    it(`${topology.name}: same rows, same dead letters`, async () => {
      const dataDir = dataDirFor(topology);
      const fileDir = join(outRoot, topology.name);
      const viaFile = await runReplay({ topology, dataDir, sinks: [new FileSink({ dir: fileDir, format: 'jsonl', resume: false, fsync: false })] });
      const schema = `t_${topology.name}`;
      const viaPostgres = await runReplay({ topology, dataDir, sinks: [createPostgresSink({ type: 'postgres', url: db.url, schema })] });

      expect(viaPostgres.recordsIn).toBe(viaFile.recordsIn);
      expect(viaPostgres.deadLetters.map((l) => [l.position, l.reason])).toEqual(viaFile.deadLetters.map((l) => [l.position, l.reason]));
      const client = await db.connect();
      try {
        let rows = 0;
        for (const spec of topology.outputs) {
          const expected = await readJsonlTable(fileDir, spec);
          const actual = await readPostgresTable(client, schema, spec);
          expect({ table: spec.name, rows: actual.length }).toEqual({ table: spec.name, rows: expected.length });
          expect(actual).toEqual(expected);
          rows += actual.length;
        }
        expect(rows).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    }, 120_000);
  }
});
