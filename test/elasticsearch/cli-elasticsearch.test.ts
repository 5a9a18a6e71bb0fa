// @services elasticsearch
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSharedData } from '../shared-data.js';
import { runCli } from '../cli/run-cli.js';
import { serviceSettings } from '../services/index.js';
import { readDocuments, testClient } from './read-index.js';

const DEMO_CONFIG = resolve(import.meta.dirname, '..', '..', 'examples', 'demo-elasticsearch.yaml');

/** Data rows of a CSV the file sink wrote (one header line; no field of these tables holds a newline). */
async function csvRows(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).trim().split('\n').slice(1);
}

describe('cloudpulse --sink to Elasticsearch', () => {
  let client: Client;
  let url: string;
  beforeAll(() => {
    url = serviceSettings('elasticsearch').url;
    client = testClient(url);
    // The demo config names no node: like a user's shell after `eval "$(npm run -s services -- env)"`.
    process.env['CLOUDPULSE_ELASTICSEARCH_URL'] = url;
  });
  afterAll(async () => {
    await client?.close();
  });

  it('replay --sink elasticsearch+http://… writes the chosen table, as many documents as file rows', async () => {
    const data = join(requireSharedData(), 'data-jobs-salaries');
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-es-'));
    const target = `elasticsearch+${url}?prefix=cli-${process.pid}-&tables=salaries_by_country_year`;
    const run = await runCli(['replay', 'salaries', '--data', data, '--out', out, '--no-progress', '--no-metrics', '--sink', 'file', target]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const documents = await readDocuments(client, `cli-${process.pid}-salaries_by_country_year`);
    expect(documents.length).toBe((await csvRows(join(out, 'salaries_by_country_year.csv'))).length);
    expect(await client.indices.exists({ index: `cli-${process.pid}-salaries_by_title_year` })).toBe(false);
  });

  it('demo --sink examples/demo-elasticsearch.yaml writes the crm-pipeline, salaries and nvda_signals tables, and only those', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-demo-es-'));
    const run = await runCli(['demo', '--out', out, '--scale', '0.1', '--no-metrics', '--sink', DEMO_CONFIG]);
    expect(run.code).toBe(0);
    const prefix = 'cloudpulse-demo-';
    for (const [label, table] of [['crm-pipeline', 'crm_agent_monthly'], ['crm-pipeline', 'crm_product_quarterly'], ['salaries', 'salaries_by_title_year'], ['salaries', 'salaries_by_country_year']] as const) {
      const rows = await csvRows(join(out, label, `${table}.csv`));
      expect(rows.length).toBeGreaterThan(0);
      expect({ table, documents: (await readDocuments(client, `${prefix}${table}`)).length }).toEqual({ table, documents: rows.length });
    }
    // nvda and nvda-ticks both write nvda_signals, keyed by (symbol, time): the index holds the union.
    const signalKeys = new Set<string>();
    for (const label of ['nvda', 'nvda-ticks']) {
      for (const line of await csvRows(join(out, label, 'nvda_signals.csv'))) signalKeys.add(line.split(',').slice(0, 2).join(','));
    }
    expect(signalKeys.size).toBeGreaterThan(0);
    const signals = await readDocuments(client, `${prefix}nvda_signals-*`);
    expect(signals.length).toBe(signalKeys.size);
    expect(signals.every((d) => /^cloudpulse-demo-nvda_signals-\d{4}\.\d{2}$/.test(d.index))).toBe(true);

    const indices = Object.keys(await client.indices.get({ index: `${prefix}*` }));
    const tables = new Set(indices.map((index) => index.slice(prefix.length).replace(/-\d{4}\.\d{2}$/, '')));
    expect([...tables].sort()).toEqual(['crm_agent_monthly', 'crm_product_quarterly', 'nvda_signals', 'salaries_by_country_year', 'salaries_by_title_year']);
    const runs = await readdir(out);
    expect(runs).toContain('northwind');
  });

  it('fails at start, naming the field, on a table no topology has', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-es-bad-'));
    const data = join(requireSharedData(), 'data-jobs-salaries');
    const run = await runCli(['replay', 'salaries', '--data', data, '--out', out, '--no-progress', '--no-metrics', '--sink', `elasticsearch+${url}?tables=salaries_by_title_year,salaries_by_contry_year`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sinks.0.tables.1');
    expect(run.stderr).toContain('salaries_by_contry_year');
  });
});
