import { join } from 'node:path';
import { DAY_MS, dayOf, isoDate } from './calendar.js';
import { CsvWriter, writeCsv, type CsvValue } from './csv-writer.js';
import { Prng } from './prng.js';

export interface CrmOptions {
  readonly dir: string;
  readonly seed: number;
  /** Opportunities in sales_pipeline.csv (the real file has 8,800). */
  readonly rows: number;
}

/** products.csv as in the real data; the pipeline spells `GTX Pro` as `GTXPro`, as the real one does. */
const PRODUCTS: readonly [string, string, number][] = [
  ['GTX Basic', 'GTX', 550], ['GTX Pro', 'GTX', 4821], ['MG Special', 'MG', 55], ['MG Advanced', 'MG', 3393],
  ['GTX Plus Pro', 'GTX', 5482], ['GTX Plus Basic', 'GTX', 1096], ['GTK 500', 'GTK', 26768],
];
const PRODUCT_WEIGHTS = [1866, 1480, 1651, 1412, 968, 1383, 40];
const SECTORS = ['technolgy', 'medical', 'retail', 'software', 'finance', 'marketing', 'entertainment', 'telecommunications', 'services', 'employment'];
const OFFICES = ['Central', 'East', 'West'];
const FIRST = ['Anna', 'Cecily', 'Versie', 'Lajuana', 'Moses', 'Darcel', 'James', 'Maureen', 'Gladys', 'Rosalina', 'Violet', 'Corliss', 'Hayden', 'Wilburn', 'Elease', 'Reed', 'Boris', 'Vicki'];
const LAST = ['Snelling', 'Lampkin', 'Hillebrand', 'Vencill', 'Frase', 'Schlecht', 'Ascencio', 'Marcano', 'Colclough', 'Dieter', 'Mclelland', 'Cosme', 'Zeme', 'Farden', 'Gillies', 'Zane', 'Faz', 'Laflamme'];
const SYLLABLES = ['Acme', 'Beta', 'Bluth', 'Can', 'Cheers', 'Code', 'Con', 'Dal', 'Dan', 'Dom', 'Fa', 'Gan', 'Gen', 'Go', 'Green', 'Hot', 'Is', 'Ja', 'Kin', 'Lex', 'Mat', 'Ne', 'Oran', 'Plus', 'Ron', 'Son', 'Stan', 'Tres', 'Umbrella', 'Zoom'];
const ENDINGS = ['tech', 'corp', 'dom', 'flex', 'plus', 'ware', 'gate', 'dax', 'hex', 'dex', 'lane', 'city'];

function pickWeighted(rng: Prng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/**
 * The CRM sales-pipeline tables with the real files' columns and quirks (LF): sales_teams.csv (35
 * agents, 6 managers, 3 offices), products.csv (7), accounts.csv (85, sector typo `technolgy`,
 * subsidiaries), and sales_pipeline.csv: Prospecting deals without account or dates, Engaging deals
 * without close date or value, Won deals near list price, Lost deals with value 0, product `GTXPro`.
 * Returns the paths written.
 */
export async function generateCrm(options: CrmOptions): Promise<string[]> {
  const rng = new Prng(options.seed);
  const dir = options.dir;
  const paths = ['sales_teams.csv', 'products.csv', 'accounts.csv', 'sales_pipeline.csv'].map((f) => join(dir, f));

  const agents: CsvValue[][] = [];
  const managers = Array.from({ length: 6 }, (_, i) => `${FIRST[(i * 5) % FIRST.length]} ${LAST[(i * 7 + 3) % LAST.length]}`);
  for (let i = 0; i < 35; i++) {
    const manager = i % 6;
    agents.push([`${FIRST[i % FIRST.length]} ${LAST[(i * 11 + 1) % LAST.length]}${i >= FIRST.length ? ` ${String.fromCharCode(65 + i - FIRST.length)}.` : ''}`, managers[manager]!, OFFICES[manager % 3]!]);
  }
  await writeCsv(paths[0]!, ['sales_agent', 'manager', 'regional_office'], agents);
  await writeCsv(paths[1]!, ['product', 'series', 'sales_price'], PRODUCTS.map(([name, series, price]) => [name, series, price]));

  const accounts: string[] = [];
  const accountRows: CsvValue[][] = [];
  while (accounts.length < 85) {
    const name = `${rng.pick(SYLLABLES)}${rng.pick(ENDINGS)}`;
    if (accounts.includes(name)) continue;
    accounts.push(name);
    const parent = accounts.length > 10 && rng.chance(0.2) ? accounts[rng.int(0, 9)]! : null;
    accountRows.push([name, rng.pick(SECTORS), rng.int(1979, 2017), Number(rng.range(4.5, 11_700).toFixed(2)), rng.int(9, 34_288), rng.chance(0.85) ? 'United States' : rng.pick(['Kenya', 'Norway', 'Japan', 'Brazil', 'Italy']), parent]);
  }
  await writeCsv(paths[2]!, ['account', 'sector', 'year_established', 'revenue', 'employees', 'office_location', 'subsidiary_of'], accountRows);

  const pipeline = await CsvWriter.create(paths[3]!, ['opportunity_id', 'sales_agent', 'product', 'account', 'deal_stage', 'engage_date', 'close_date', 'close_value']);
  const start = dayOf('2016-10-20');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const ids = new Set<string>();
  for (let n = 0; n < options.rows; n++) {
    let id = '';
    do {
      id = '';
      for (let k = 0; k < 8; k++) id += alphabet[rng.int(0, alphabet.length - 1)];
    } while (ids.has(id));
    ids.add(id);
    const [product, , price] = PRODUCTS[pickWeighted(rng, PRODUCT_WEIGHTS)]!;
    const stage = rng.pick(['Won', 'Won', 'Won', 'Won', 'Won', 'Lost', 'Lost', 'Lost', 'Engaging', 'Engaging', 'Prospecting']);
    // The real file is sorted by engage date: close events trail their engagement by up to 138 days.
    const engage = start + DAY_MS * Math.floor((n * 400) / options.rows);
    const close = engage + DAY_MS * rng.int(1, 138);
    const account = stage === 'Won' || stage === 'Lost' || rng.chance(0.2) ? rng.pick(accounts) : null;
    pipeline.row([
      id, String(agents[rng.int(0, agents.length - 1)]![0]), product === 'GTX Pro' ? 'GTXPro' : product, account, stage,
      stage === 'Prospecting' ? null : isoDate(engage),
      stage === 'Won' || stage === 'Lost' ? isoDate(close) : null,
      stage === 'Won' ? Math.round(price * rng.range(0.85, 1.1)) : stage === 'Lost' ? 0 : null,
    ]);
    if (pipeline.full) await pipeline.flush();
  }
  await pipeline.close();
  return paths;
}
