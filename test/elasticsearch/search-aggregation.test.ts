// @services elasticsearch
// Searches and aggregations in Elasticsearch over the salaries tables the sink wrote, against the same
// answers computed by DuckDB straight from the survey CSV (every row counts; keys trimmed; rows whose year
// is not a whole number or whose salary is not a number are the topology's parse errors).
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../cli/run-replay.js';
import { createElasticsearchSink } from '../../connectors/elasticsearch/create-elasticsearch-sink.js';
import { salariesTopology } from '../../topologies/salaries/topology.js';
import { realDataDir } from '../golden/golden-support.js';
import { duckdbRows } from '../harness/duckdb-query.js';
import { serviceSettings } from '../services/index.js';
import { testClient } from './read-index.js';

const DATA = realDataDir('data-jobs-salaries');
const FILE = salariesTopology.inputs[0]!.defaultFile;
const prefix = `search-${process.pid}-`;

const ANSWERS = `
  WITH raw AS (
    SELECT TRY_CAST(trim(work_year) AS DOUBLE) AS year_number,
           TRY_CAST(trim(salary_in_usd) AS DOUBLE) AS salary_in_usd,
           coalesce(trim(job_title), '') AS job_title,
           coalesce(trim(experience_level), '') AS experience_level,
           coalesce(trim(company_location), '') AS company_location
    FROM read_csv('${join(DATA, FILE).replaceAll("'", "''")}', header = true, all_varchar = true, nullstr = '')
  )
  SELECT CAST(year_number AS INTEGER) AS work_year, salary_in_usd, job_title, experience_level, company_location FROM raw
  WHERE year_number IS NOT NULL AND year_number = floor(year_number) AND salary_in_usd IS NOT NULL`;

describe('search and aggregation over the salaries indices answer what the survey says', () => {
  let client: Client;

  beforeAll(async () => {
    const { url } = serviceSettings('elasticsearch');
    client = testClient(url);
    const result = await runReplay({ topology: salariesTopology, dataDir: DATA, sinks: [createElasticsearchSink({ type: 'elasticsearch', nodes: [url], indexPrefix: prefix, replicas: 0 })] });
    expect(result.rowsOut['salaries_by_country_year']).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await client?.indices.delete({ index: `${prefix}*` }).catch(() => undefined);
    await client?.indices.deleteIndexTemplate({ name: `cloudpulse.${prefix}*` }).catch(() => undefined);
    await client?.close();
  });

  it('a terms aggregation gives the number of answers per company location, and in total', async () => {
    const expected = await duckdbRows(`SELECT company_location, count(*)::INTEGER AS answers FROM (${ANSWERS}) GROUP BY ALL`);
    const response = await client.search({
      index: `${prefix}salaries_by_country_year`,
      size: 0,
      aggs: {
        locations: { terms: { field: 'company_location', size: 10_000 }, aggs: { answers: { sum: { field: 'count' } } } },
        answers: { sum: { field: 'count' } },
      },
    });
    const aggregations = response.aggregations as {
      locations: { buckets: { key: string; answers: { value: number } }[]; sum_other_doc_count: number };
      answers: { value: number };
    };
    expect(aggregations.locations.sum_other_doc_count).toBe(0);
    const actual = new Map(aggregations.locations.buckets.map((b) => [b.key, b.answers.value]));
    expect(actual).toEqual(new Map(expected.map((r) => [String(r['company_location']), Number(r['answers'])])));
    expect(aggregations.answers.value).toBe(expected.reduce((sum, r) => sum + Number(r['answers']), 0));
  });

  it('a filtered search finds a job title in a year: its experience levels, answers and mean salary', async () => {
    // The (title, year) with the most answers, chosen from the CSV, not from the index.
    const [chosen] = await duckdbRows(`
      SELECT job_title, work_year, count(*)::INTEGER AS answers, avg(salary_in_usd) AS mean, list(DISTINCT experience_level ORDER BY experience_level) AS levels
      FROM (${ANSWERS})
      GROUP BY job_title, work_year ORDER BY answers DESC, job_title LIMIT 1`);
    const title = String(chosen!['job_title']);
    const year = Number(chosen!['work_year']);
    const response = await client.search<{ experience_level: string }>({
      index: `${prefix}salaries_by_title_year`,
      size: 100,
      query: { bool: { filter: [{ term: { job_title: title } }, { term: { work_year: year } }] } },
      aggs: { answers: { sum: { field: 'count' } }, mean: { weighted_avg: { value: { field: 'avg_salary_usd' }, weight: { field: 'count' } } } },
    });
    const aggregations = response.aggregations as { answers: { value: number }; mean: { value: number } };
    expect(response.hits.hits.map((h) => h._source!.experience_level).sort()).toEqual(chosen!['levels']);
    expect(aggregations.answers.value).toBe(Number(chosen!['answers']));
    expect(aggregations.mean.value).toBeCloseTo(Number(chosen!['mean']), 6);
  });
});
