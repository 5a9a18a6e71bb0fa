import { join } from 'node:path';
import { DAY_MS, dayOf, isoDate } from './calendar.js';
import { CsvWriter, writeCsv, type CsvValue } from './csv-writer.js';
import { CITIES, companyName, personName, phone, street } from './names.js';
import { Prng } from './prng.js';

export interface NorthwindOptions {
  readonly dir: string;
  readonly seed: number;
  /** 1 = the real size (830 orders); orders and order lines grow with it. */
  readonly scale?: number;
}

const CATEGORIES: readonly [string, string][] = [
  ['Beverages', 'Soft drinks, coffees, teas, beers, and ales'], ['Condiments', 'Sweet and savory sauces, relishes, spreads, and seasonings'],
  ['Confections', 'Desserts, candies, and sweet breads'], ['Dairy Products', 'Cheeses'], ['Grains/Cereals', 'Breads, crackers, pasta, and cereal'],
  ['Meat/Poultry', 'Prepared meats'], ['Produce', 'Dried fruit and bean curd'], ['Seafood', 'Seaweed and fish'],
];
const PRODUCT_WORDS = ['Chai', 'Chang', 'Syrup', 'Seasoning', 'Gumbo', 'Spread', 'Pears', 'Sauce', 'Kobe', 'Ikura', 'Queso', 'Konbu', 'Tofu', 'Pavlova', 'Tigers', 'Biscuits', 'Marmalade', 'Scones', 'Lager', 'Coffee'];
const TITLES = ['Sales Representative', 'Owner', 'Marketing Manager', 'Sales Manager', 'Accounting Manager', 'Order Administrator'];

/**
 * Northwind tables with the real export's columns and style (LF, RFC 4180, empty = NULL, `\x`
 * pictures): categories.csv (8), products.csv (77), customers.csv (91), orders.csv (830 × scale)
 * and order_details.csv (~2.6 lines per order). Orders run from 1996-07-04 with ids from 10248.
 * Returns the paths written.
 */
export async function generateNorthwind(options: NorthwindOptions): Promise<string[]> {
  const rng = new Prng(options.seed);
  const scale = options.scale ?? 1;
  const dir = options.dir;
  const paths = ['categories.csv', 'products.csv', 'customers.csv', 'orders.csv', 'order_details.csv'].map((f) => join(dir, f));

  await writeCsv(paths[0]!, ['category_id', 'category_name', 'description', 'picture'], CATEGORIES.map(([name, description], i) => [i + 1, name, description, '\\x']));

  const prices: number[] = [];
  const products: CsvValue[][] = [];
  for (let id = 1; id <= 77; id++) {
    const price = Number((rng.range(2.5, 120)).toFixed(rng.chance(0.5) ? 0 : 2));
    prices.push(price);
    products.push([id, `${rng.pick(PRODUCT_WORDS)} ${rng.pick(PRODUCT_WORDS)}`, rng.int(1, 29), rng.int(1, 8), `${rng.int(1, 48)} - ${rng.int(100, 550)} ml bottles`, price, rng.int(0, 125), rng.pick([0, 0, 0, 10, 40, 70]), rng.pick([0, 5, 10, 15, 25]), rng.chance(0.1) ? 1 : 0]);
  }
  await writeCsv(paths[1]!, ['product_id', 'product_name', 'supplier_id', 'category_id', 'quantity_per_unit', 'unit_price', 'units_in_stock', 'units_on_order', 'reorder_level', 'discontinued'], products);

  const customers: CsvValue[][] = [];
  const ids: string[] = [];
  const places: (readonly [string, string, string])[] = [];
  for (let i = 0; i < 91; i++) {
    const company = companyName(rng);
    let id = company.replace(/[^A-Za-z]/g, '').slice(0, 4).toUpperCase() + String.fromCharCode(65 + (i % 26));
    while (ids.includes(id)) id = id.slice(0, 4) + String.fromCharCode(65 + rng.int(0, 25));
    ids.push(id);
    const place = rng.pick(CITIES);
    places.push(place);
    const [first, last] = personName(rng);
    customers.push([id, company, `${first} ${last}`, rng.pick(TITLES), street(rng), place[0], place[2] === '' ? null : place[2], String(rng.int(1000, 99999)).padStart(5, '0'), place[1], phone(rng), rng.chance(0.4) ? null : phone(rng)]);
  }
  await writeCsv(paths[2]!, ['customer_id', 'company_name', 'contact_name', 'contact_title', 'address', 'city', 'region', 'postal_code', 'country', 'phone', 'fax'], customers);

  const orders = await CsvWriter.create(paths[3]!, ['order_id', 'customer_id', 'employee_id', 'order_date', 'required_date', 'shipped_date', 'ship_via', 'freight', 'ship_name', 'ship_address', 'ship_city', 'ship_region', 'ship_postal_code', 'ship_country']);
  const details = await CsvWriter.create(paths[4]!, ['order_id', 'product_id', 'unit_price', 'quantity', 'discount']);
  const count = Math.max(1, Math.round(830 * scale));
  let day = dayOf('1996-07-04');
  for (let n = 0; n < count; n++) {
    const orderId = 10248 + n;
    if (rng.chance(0.6)) day += DAY_MS * rng.int(1, 2);
    const c = rng.int(0, ids.length - 1);
    const place = places[c]!;
    const shipped = rng.chance(0.97) ? isoDate(day + DAY_MS * rng.int(1, 30)) : null;
    orders.row([orderId, ids[c]!, rng.int(1, 9), isoDate(day), isoDate(day + DAY_MS * 28), shipped, rng.int(1, 3), Number(rng.range(0.02, 1000).toFixed(2)), customers[c]![1]!, customers[c]![4]!, place[0], place[2] === '' ? null : place[2], customers[c]![7]!, place[1]]);
    const lines = rng.int(1, 4) + (rng.chance(0.2) ? 1 : 0);
    const used = new Set<number>();
    for (let l = 0; l < lines; l++) {
      let product = rng.int(1, 77);
      while (used.has(product)) product = (product % 77) + 1;
      used.add(product);
      details.row([orderId, product, prices[product - 1]!, rng.int(1, 120), rng.pick([0, 0, 0, 0.05, 0.1, 0.15, 0.2, 0.25])]);
    }
    if (orders.full) await orders.flush();
    if (details.full) await details.flush();
  }
  await orders.close();
  await details.close();
  return paths;
}
