import { join } from 'node:path';
import { DAY_MS, dayOf, isoDate } from './calendar.js';
import { CsvWriter, writeCsv, type CsvValue } from './csv-writer.js';
import { CITIES, companyName, personName, street } from './names.js';
import { Prng } from './prng.js';

export interface ModelCarsOptions {
  readonly dir: string;
  readonly seed: number;
  /** 1 = 100 customers, 110 products, 100 orders (~350 order lines), 100 payments. */
  readonly scale?: number;
}

const LINES: readonly [string, number][] = [['Classic Cars', 37], ['Vintage Cars', 24], ['Motorcycles', 13], ['Trucks and Buses', 11], ['Planes', 7], ['Ships', 5], ['Trains', 3]];
const VENDORS = ['Min Lin Diecast', 'Classic Metal Creations', 'Highway 66 Mini Classics', 'Red Start Diecast', 'Motor City Art Classics', 'Second Gear Diecast', 'Autoart Studio Design', 'Welly Diecast Productions'];
const MAKES = ['Harley Davidson', 'Alpine Renault', 'Moto Guzzi', 'Porsche', 'Ford Mustang', 'Chevy Pickup', 'Ferrari', 'Boeing 747', 'Titanic', 'Collectable Wooden Train'];
const FEATURES = ['working kickstand', 'front suspension', 'opening hood', 'detailed interior', 'rotating wheels', 'chrome accents', 'working steering', 'opening doors'];
const STATUSES = ['Shipped', 'Shipped', 'Shipped', 'Shipped', 'Shipped', 'Shipped', 'Shipped', 'Shipped', 'Cancelled', 'Resolved', 'On Hold', 'In Process'];
const COMMENTS = ['Check on availability.', 'Difficult to negotiate with customer. We need more marketing materials', 'Customer requested that DHL is used for this shipping', 'Customer very concerned about the exact color of the models.'];

/**
 * Model Cars tables with the SQLite export's columns and style: CRLF between records, every value
 * text, missing = empty, some values padded with spaces (`"Norway  "`, `Jean `), postal codes with
 * leading zeros, and product descriptions holding commas and LF line breaks inside quotes.
 * Files: customers.csv, products.csv, orders.csv, orderdetails.csv, payments.csv. Returns the paths.
 */
export async function generateModelCars(options: ModelCarsOptions): Promise<string[]> {
  const rng = new Prng(options.seed);
  const scale = options.scale ?? 1;
  const style = { eol: '\r\n' as const };
  const dir = options.dir;
  const paths = ['customers.csv', 'products.csv', 'orders.csv', 'orderdetails.csv', 'payments.csv'].map((f) => join(dir, f));

  const customerCount = Math.max(1, Math.round(100 * scale));
  const customers: CsvValue[][] = [];
  for (let i = 0; i < customerCount; i++) {
    const [first, last] = personName(rng);
    const [city, country, state] = rng.pick(CITIES);
    customers.push([
      String(103 + i * 3), companyName(rng), last, rng.chance(0.2) ? `${first} ` : first, `${rng.int(10, 99)}.${rng.int(10, 99)}.${rng.int(1000, 9999)}`,
      street(rng), rng.chance(0.3) ? `Level ${rng.int(1, 9)}` : '', city, state, String(rng.int(100, 99999)).padStart(5, '0'),
      rng.chance(0.05) ? `${country}  ` : country, rng.chance(0.2) ? '' : String(rng.pick([1165, 1166, 1188, 1216, 1286, 1323, 1337, 1370, 1401, 1501, 1504, 1611, 1612, 1621, 1702])),
      `${rng.int(0, 227) * 1000}.00`,
    ]);
  }
  await writeCsv(paths[0]!, ['customerNumber', 'customerName', 'contactLastName', 'contactFirstName', 'phone', 'addressLine1', 'addressLine2', 'city', 'state', 'postalCode', 'country', 'salesRepEmployeeNumber', 'creditLimit'], customers, style);

  const products: CsvValue[][] = [];
  const msrp: number[] = [];
  let productIndex = 0;
  for (const [line, count] of LINES) {
    for (let k = 0; k < Math.max(1, Math.round((count * 110) / 100)); k++) {
      const code = `S${rng.pick([10, 12, 18, 24, 32, 50, 700])}_${String(1000 + productIndex * 37).slice(-4)}`;
      const buy = rng.range(15, 105);
      const price = buy * rng.range(1.4, 2.2);
      msrp.push(price);
      const description = rng.chance(0.1)
        ? `This replica features ${rng.pick(FEATURES)}, ${rng.pick(FEATURES)}.\nAll parts are hand-finished; ${rng.pick(FEATURES)}.\n`
        : `Features ${rng.pick(FEATURES)}, ${rng.pick(FEATURES)} and ${rng.pick(FEATURES)}.`;
      products.push([code, `${rng.int(1930, 2005)} ${rng.pick(MAKES)}`, line, rng.pick(['1:10', '1:12', '1:18', '1:24', '1:32', '1:50', '1:72', '1:700']), rng.pick(VENDORS), description, String(rng.int(0, 9999)), rng.pick(['a', 'b', 'c', 'd']), buy.toFixed(2), price.toFixed(2)]);
      productIndex++;
    }
  }
  await writeCsv(paths[1]!, ['productCode', 'productName', 'productLine', 'productScale', 'productVendor', 'productDescription', 'quantityInStock', 'warehouseCode', 'buyPrice', 'MSRP'], products, style);

  const orders = await CsvWriter.create(paths[2]!, ['orderNumber', 'orderDate', 'requiredDate', 'shippedDate', 'status', 'comments', 'customerNumber'], style);
  const details = await CsvWriter.create(paths[3]!, ['orderNumber', 'productCode', 'quantityOrdered', 'priceEach', 'orderLineNumber'], style);
  let day = dayOf('2003-01-06');
  const orderCount = Math.max(1, Math.round(100 * scale));
  for (let n = 0; n < orderCount; n++) {
    const number = 10100 + n;
    day += DAY_MS * rng.int(0, 6);
    const status = rng.pick(STATUSES);
    const shipped = status === 'Shipped' || status === 'Resolved' ? isoDate(day + DAY_MS * rng.int(1, 6)) : '';
    orders.row([String(number), isoDate(day), isoDate(day + DAY_MS * rng.int(7, 10)), shipped, status, rng.chance(0.25) ? rng.pick(COMMENTS) : '', customers[rng.int(0, customers.length - 1)]![0]!]);
    const lines = rng.int(1, 6);
    const used = new Set<number>();
    for (let l = 1; l <= lines; l++) {
      let p = rng.int(0, products.length - 1);
      while (used.has(p)) p = (p + 1) % products.length;
      used.add(p);
      details.row([String(number), products[p]![0]!, String(rng.int(20, 50)), (msrp[p]! * rng.range(0.85, 1)).toFixed(2), String(l)]);
    }
    if (orders.full) await orders.flush();
    if (details.full) await details.flush();
  }
  await orders.close();
  await details.close();

  const payments = await CsvWriter.create(paths[4]!, ['customerNumber', 'checkNumber', 'paymentDate', 'amount'], style);
  for (let n = 0; n < Math.max(1, Math.round(100 * scale)); n++) {
    const check = `${String.fromCharCode(65 + rng.int(0, 25))}${String.fromCharCode(65 + rng.int(0, 25))}${rng.int(100_000, 999_999)}`;
    payments.row([customers[rng.int(0, customers.length - 1)]![0]!, check, isoDate(dayOf('2003-01-16') + DAY_MS * rng.int(0, 880)), rng.range(600, 120_000).toFixed(2)]);
    if (payments.full) await payments.flush();
  }
  await payments.close();
  return paths;
}
