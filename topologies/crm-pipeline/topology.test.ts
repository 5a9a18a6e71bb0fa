import { describe, expect, it } from 'vitest';
import type { Row, StreamRecord } from '../../engine/index.js';
import { RecordFactory } from '../../test/harness/record-factory.js';
import { TopologyTestDriver } from '../../test/harness/topology-test-driver.js';
import { CRM_NO_EVENT_TIME, crmPipelineTopology } from './topology.js';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

function tables(): Record<string, StreamRecord<Row>[]> {
  const teams = new RecordFactory('sales_teams.csv', 'sales_teams.csv');
  const products = new RecordFactory('products.csv', 'products.csv');
  return {
    sales_teams: [
      teams.record({ sales_agent: 'Moses Frase', manager: 'Dustin Brinkmann', regional_office: 'Central' }, 0),
      teams.record({ sales_agent: 'Darcel Schlecht', manager: 'Summer Sewald', regional_office: 'West' }, 0),
    ],
    products: [
      products.record({ product: 'GTX Pro', series: 'GTX', sales_price: 4821 }, 0),
      products.record({ product: 'MG Special', series: 'MG', sales_price: 55 }, 0),
    ],
  };
}

const pipeline = new RecordFactory('sales_pipeline.csv', 'sales_pipeline.csv');
function opportunity(agent: string, product: string, stage: string, engage: string | null, close: string | null, value: number | null): StreamRecord<Row> {
  return pipeline.record(
    { opportunity_id: 'X', sales_agent: agent, product, account: '', deal_stage: stage, engage_date: engage === null ? null : day(engage), close_date: close === null ? null : day(close), close_value: value },
    0,
  );
}

describe('crm-pipeline topology', () => {
  it('counts engaged in the engage month and won/lost in the close month; matches products ignoring spaces and case', () => {
    const driver = new TopologyTestDriver(crmPipelineTopology, { tables: tables() });
    driver.feed('sales_pipeline', [
      opportunity('Darcel Schlecht', 'GTXPro', 'Won', '2016-10-25', '2017-03-11', 4514),
      opportunity('Darcel Schlecht', 'gtx pro', 'Won', '2016-10-31', '2017-03-31', 5000),
      opportunity('Darcel Schlecht', 'MG Special', 'Lost', '2016-11-02', '2017-01-05', 0),
      opportunity('Darcel Schlecht', 'MG Special', 'Engaging', '2017-03-01', null, null),
      opportunity('Moses Frase', 'MG Special', 'Won', '2017-03-30', '2017-04-01', 50),
    ]);
    driver.complete();

    expect(driver.deadLetters).toEqual([]);
    expect(driver.late).toEqual([]);
    const agents = Object.fromEntries(driver.tableState('crm_agent_monthly').map((r) => [`${String(r['sales_agent'])}|${String(r['month'])}`, r]));
    expect(Object.keys(agents).sort()).toEqual([
      'Darcel Schlecht|2016-10',
      'Darcel Schlecht|2016-11',
      'Darcel Schlecht|2017-01',
      'Darcel Schlecht|2017-03',
      'Moses Frase|2017-03',
      'Moses Frase|2017-04',
    ]);
    expect(agents['Darcel Schlecht|2016-10']).toEqual({
      sales_agent: 'Darcel Schlecht', manager: 'Summer Sewald', regional_office: 'West', month: '2016-10', engaged: 2, won: 0, lost: 0, won_value: 0,
    });
    expect(agents['Darcel Schlecht|2017-01']).toMatchObject({ engaged: 0, won: 0, lost: 1, won_value: 0 });
    expect(agents['Darcel Schlecht|2017-03']).toMatchObject({ engaged: 1, won: 2, lost: 0, won_value: 9514 });
    expect(agents['Moses Frase|2017-04']).toMatchObject({ manager: 'Dustin Brinkmann', regional_office: 'Central', engaged: 0, won: 1, won_value: 50 });

    // Won deals only, by close quarter, with the products table's spelling.
    const products = driver.tableState('crm_product_quarterly');
    expect(products).toEqual(
      expect.arrayContaining([
        { product: 'GTX Pro', series: 'GTX', quarter: '2017-Q1', won: 2, won_value: 9514, avg_won_value: 4757, list_price_ratio: 4757 / 4821 },
        { product: 'MG Special', series: 'MG', quarter: '2017-Q2', won: 1, won_value: 50, avg_won_value: 50, list_price_ratio: 50 / 55 },
      ]),
    );
    // The lost MG Special deal of 2017-Q1 makes no product row.
    expect(products).toHaveLength(2);
  });

  it('counts an opportunity with neither date as filtered (not an error) and dead-letters unknown agents and products', () => {
    const driver = new TopologyTestDriver(crmPipelineTopology, { tables: tables() });
    const prospect = opportunity('Moses Frase', 'GTX Pro', 'Prospecting', null, null, null);
    const unknownAgent = opportunity('Nobody', 'GTX Pro', 'Won', '2017-01-01', '2017-02-01', 10);
    const unknownProduct = opportunity('Moses Frase', 'GTX Ultra', 'Engaging', '2017-01-01', null, null);
    driver.feed('sales_pipeline', [prospect, unknownAgent, unknownProduct, opportunity('Moses Frase', 'GTX Pro', 'Engaging', '2017-01-02', null, null)]);
    driver.complete();

    expect(driver.context.eventsOf('filtered')).toEqual([{ type: 'filtered', topology: 'crm-pipeline', operator: CRM_NO_EVENT_TIME, count: 1 }]);
    expect(driver.deadLetters.map((l) => [l.position.offset, l.reason, l.detail])).toEqual([
      [unknownAgent.position.offset, 'join_miss', 'no sales_teams row for agent Nobody'],
      [unknownProduct.position.offset, 'join_miss', 'no product matching GTX Ultra'],
    ]);
    expect(driver.tableState('crm_agent_monthly')).toEqual([
      { sales_agent: 'Moses Frase', manager: 'Dustin Brinkmann', regional_office: 'Central', month: '2017-01', engaged: 1, won: 0, lost: 0, won_value: 0 },
    ]);
    expect(driver.tableState('crm_product_quarterly')).toEqual([]);
  });

  it('keeps a close event far behind the newest engage event on time, and closes windows a year behind the newest event', () => {
    const driver = new TopologyTestDriver(crmPipelineTopology, { tables: tables() });
    // A deal engaged in March closes on Dec 31; a deal engaged on Aug 15 comes later in the file (sorted
    // by engage date), its engage event 138 days behind that close: on time.
    driver.feed('sales_pipeline', [opportunity('Moses Frase', 'GTX Pro', 'Won', '2017-03-01', '2017-12-31', 100)]);
    driver.feed('sales_pipeline', [opportunity('Moses Frase', 'GTX Pro', 'Lost', '2017-08-15', '2017-09-01', 0)]);
    expect(driver.outputRows('crm_agent_monthly')).toEqual([]);
    // An event 365 days past April 1 closes March 2017 (and only March) before the end of input.
    driver.feed('sales_pipeline', [opportunity('Darcel Schlecht', 'GTX Pro', 'Engaging', '2018-04-02', null, null)]);
    expect(driver.outputRows('crm_agent_monthly').map((r) => r['month'])).toEqual(['2017-03']);
    driver.complete();
    expect(driver.late).toEqual([]);
    expect(driver.tableState('crm_agent_monthly')).toHaveLength(5);
  });
});
