import { describe, expect, it } from 'vitest';
import { crmAgentMonthly, crmProductQuarterly } from '../../topologies/crm-pipeline/outputs.js';
import { CRM_NO_EVENT_TIME, crmPipelineTopology } from '../../topologies/crm-pipeline/topology.js';
import { expectJoinMissesAndParseErrors, expectTableMatchesSql, readCsvSql, realDataDir, replayOnceForFile } from './golden-support.js';

const data = realDataDir('crm-sales-opportunities');

const golden = replayOnceForFile(crmPipelineTopology, data, async (db) => {
  await db.run(`CREATE TABLE pipeline AS SELECT row_number() OVER () + 1 AS line, * FROM ${readCsvSql(data, 'sales_pipeline.csv',
    `'opportunity_id': 'VARCHAR', 'sales_agent': 'VARCHAR', 'product': 'VARCHAR', 'account': 'VARCHAR', 'deal_stage': 'VARCHAR',
     'engage_date': 'DATE', 'close_date': 'DATE', 'close_value': 'DOUBLE'`)}`);
  await db.run(`CREATE TABLE teams AS SELECT * FROM ${readCsvSql(data, 'sales_teams.csv', `'sales_agent': 'VARCHAR', 'manager': 'VARCHAR', 'regional_office': 'VARCHAR'`)}`);
  await db.run(`CREATE TABLE products AS SELECT * FROM ${readCsvSql(data, 'products.csv', `'product': 'VARCHAR', 'series': 'VARCHAR', 'sales_price': 'DOUBLE'`)}`);
  // Readable rows (an agent is required) that yield at least one event.
  await db.run(`CREATE VIEW readable AS SELECT * FROM pipeline WHERE coalesce(trim(sales_agent), '') <> ''`);
  await db.run(`CREATE VIEW with_event AS SELECT * FROM readable
    WHERE engage_date IS NOT NULL OR (close_date IS NOT NULL AND trim(deal_stage) IN ('Won', 'Lost'))`);
  // Products compared without whitespace and case; the output keeps products.csv's spelling.
  await db.run(`CREATE VIEW matched AS
    SELECT o.*, trim(t.manager) AS manager, trim(t.regional_office) AS regional_office,
           trim(p.product) AS product_name, trim(p.series) AS series, p.sales_price
    FROM with_event o
    JOIN teams t ON trim(t.sales_agent) = trim(o.sales_agent)
    JOIN products p ON lower(regexp_replace(p.product, '\\s+', '', 'g')) = lower(regexp_replace(o.product, '\\s+', '', 'g'))`);
  await db.run(`CREATE VIEW events AS
    SELECT trim(sales_agent) AS agent, manager, regional_office, product_name, series, sales_price, close_value, 'engaged' AS kind, engage_date AS event_date
      FROM matched WHERE engage_date IS NOT NULL
    UNION ALL
    SELECT trim(sales_agent), manager, regional_office, product_name, series, sales_price, close_value, lower(trim(deal_stage)), close_date
      FROM matched WHERE close_date IS NOT NULL AND trim(deal_stage) IN ('Won', 'Lost')`);
});

describe('crm-pipeline golden (Maven CRM sales opportunities)', () => {
  it('crm_agent_monthly equals the SQL aggregation', async () => {
    await expectTableMatchesSql(golden, crmAgentMonthly, `
      SELECT agent AS sales_agent, manager, regional_office, strftime(event_date, '%Y-%m') AS month,
             count(*) FILTER (WHERE kind = 'engaged') AS engaged, count(*) FILTER (WHERE kind = 'won') AS won,
             count(*) FILTER (WHERE kind = 'lost') AS lost, coalesce(sum(close_value) FILTER (WHERE kind = 'won'), 0) AS won_value
      FROM events GROUP BY ALL`);
  });

  it('crm_product_quarterly equals the SQL aggregation', async () => {
    const actual = await expectTableMatchesSql(golden, crmProductQuarterly, `
      SELECT product_name AS product, series, year(event_date) || '-Q' || quarter(event_date) AS quarter, count(*) AS won,
             coalesce(sum(close_value), 0) AS won_value,
             coalesce(sum(close_value), 0) / count(*) AS avg_won_value,
             coalesce(sum(close_value), 0) / count(*) / nullif(any_value(sales_price), 0) AS list_price_ratio
      FROM events WHERE kind = 'won' GROUP BY product_name, series, year(event_date) || '-Q' || quarter(event_date)`);
    // GTXPro in the pipeline must have matched "GTX Pro" of products.csv.
    expect(actual.some((row) => row['product'] === 'GTX Pro')).toBe(true);
  });

  it('counts opportunities without event time as filtered, dead-letters the SQL anti-join misses, and nothing is late', async () => {
    const { db, run } = golden;
    const noEvent = await db.count('SELECT (SELECT count(*) FROM readable) - (SELECT count(*) FROM with_event)');
    expect(run.filtered.get(CRM_NO_EVENT_TIME) ?? 0).toBe(noEvent);
    expect(noEvent).toBeGreaterThan(0);

    const parseErrors = await db.sumOfCounts([
      'SELECT (SELECT count(*) FROM pipeline) - (SELECT count(*) FROM readable)',
      "SELECT count(*) FROM teams WHERE coalesce(trim(sales_agent), '') = ''",
      "SELECT count(*) FROM products WHERE coalesce(trim(product), '') = ''",
    ]);
    const deadLetters = await expectJoinMissesAndParseErrors(golden, `
      SELECT 'sales_pipeline.csv:' || line AS p FROM with_event o
      WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE trim(t.sales_agent) = trim(o.sales_agent))
         OR NOT EXISTS (SELECT 1 FROM products p WHERE lower(regexp_replace(p.product, '\\s+', '', 'g')) = lower(regexp_replace(o.product, '\\s+', '', 'g')))`, parseErrors);
    expect(run.result.late).toBe(0);
    console.log(`crm-pipeline dead letters: ${JSON.stringify(deadLetters.bySourceAndReason)}; filtered (${CRM_NO_EVENT_TIME}): ${noEvent}`);
  });
});
