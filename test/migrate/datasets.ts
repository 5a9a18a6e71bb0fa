import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { requireSharedData } from '../shared-data.js';

/** One dataset table: its CSV file and the DDL of the source table it is loaded into (keys as the data has them). */
interface DatasetTable {
  readonly file: string;
  readonly table: string;
  readonly columns: string;
}

const NORTHWIND: readonly DatasetTable[] = [
  { file: 'categories.csv', table: 'categories', columns: 'category_id smallint PRIMARY KEY, category_name varchar(15) NOT NULL, description text, picture bytea' },
  { file: 'customer_customer_demo.csv', table: 'customer_customer_demo', columns: 'customer_id varchar(5), customer_type_id varchar(5), PRIMARY KEY (customer_id, customer_type_id)' },
  { file: 'customer_demographics.csv', table: 'customer_demographics', columns: 'customer_type_id varchar(5) PRIMARY KEY, customer_desc text' },
  { file: 'customers.csv', table: 'customers', columns: 'customer_id varchar(5) PRIMARY KEY, company_name varchar(40) NOT NULL, contact_name varchar(30), contact_title varchar(30), address varchar(60), city varchar(15), region varchar(15), postal_code varchar(10), country varchar(15), phone varchar(24), fax varchar(24)' },
  { file: 'employee_territories.csv', table: 'employee_territories', columns: 'employee_id smallint, territory_id varchar(20), PRIMARY KEY (employee_id, territory_id)' },
  { file: 'employees.csv', table: 'employees', columns: 'employee_id smallint PRIMARY KEY, last_name varchar(20) NOT NULL, first_name varchar(10) NOT NULL, title varchar(30), title_of_courtesy varchar(25), birth_date date, hire_date date, address varchar(60), city varchar(15), region varchar(15), postal_code varchar(10), country varchar(15), home_phone varchar(24), extension varchar(4), photo bytea, notes text, reports_to smallint, photo_path varchar(255)' },
  { file: 'order_details.csv', table: 'order_details', columns: 'order_id smallint, product_id smallint, unit_price numeric(10,2) NOT NULL, quantity smallint NOT NULL, discount numeric(4,2) NOT NULL, PRIMARY KEY (order_id, product_id)' },
  { file: 'orders.csv', table: 'orders', columns: 'order_id smallint PRIMARY KEY, customer_id varchar(5), employee_id smallint, order_date date, required_date date, shipped_date date, ship_via smallint, freight numeric(10,2), ship_name varchar(40), ship_address varchar(60), ship_city varchar(15), ship_region varchar(15), ship_postal_code varchar(10), ship_country varchar(15)' },
  { file: 'products.csv', table: 'products', columns: 'product_id smallint PRIMARY KEY, product_name varchar(40) NOT NULL, supplier_id smallint, category_id smallint, quantity_per_unit varchar(20), unit_price numeric(10,2), units_in_stock smallint, units_on_order smallint, reorder_level smallint, discontinued integer NOT NULL' },
  { file: 'region.csv', table: 'region', columns: 'region_id smallint PRIMARY KEY, region_description varchar(60) NOT NULL' },
  { file: 'shippers.csv', table: 'shippers', columns: 'shipper_id smallint PRIMARY KEY, company_name varchar(40) NOT NULL, phone varchar(24)' },
  { file: 'suppliers.csv', table: 'suppliers', columns: 'supplier_id smallint PRIMARY KEY, company_name varchar(40) NOT NULL, contact_name varchar(30), contact_title varchar(30), address varchar(60), city varchar(15), region varchar(15), postal_code varchar(10), country varchar(15), phone varchar(24), fax varchar(24), homepage text' },
  { file: 'territories.csv', table: 'territories', columns: 'territory_id varchar(20) PRIMARY KEY, territory_description varchar(60) NOT NULL, region_id smallint NOT NULL' },
  { file: 'us_states.csv', table: 'us_states', columns: 'state_id smallint PRIMARY KEY, state_name varchar(100), state_abbr varchar(2), state_region varchar(50)' },
];

const MODEL_CARS: readonly DatasetTable[] = [
  { file: 'customers.csv', table: 'customers', columns: '"customerNumber" integer PRIMARY KEY, "customerName" text, "contactLastName" text, "contactFirstName" text, phone text, "addressLine1" text, "addressLine2" text, city text, state text, "postalCode" text, country text, "salesRepEmployeeNumber" integer, "creditLimit" numeric(10,2)' },
  { file: 'employees.csv', table: 'employees', columns: '"employeeNumber" integer PRIMARY KEY, "lastName" text, "firstName" text, extension text, email text, "officeCode" text, "reportsTo" integer, "jobTitle" text' },
  { file: 'offices.csv', table: 'offices', columns: '"officeCode" text PRIMARY KEY, city text, phone text, "addressLine1" text, "addressLine2" text, state text, country text, "postalCode" text, territory text' },
  { file: 'orderdetails.csv', table: 'orderdetails', columns: '"orderNumber" integer, "productCode" text, "quantityOrdered" integer, "priceEach" numeric(10,2), "orderLineNumber" integer, PRIMARY KEY ("orderNumber", "productCode")' },
  { file: 'orders.csv', table: 'orders', columns: '"orderNumber" integer PRIMARY KEY, "orderDate" date, "requiredDate" date, "shippedDate" date, status text, comments text, "customerNumber" integer' },
  { file: 'payments.csv', table: 'payments', columns: '"customerNumber" integer, "checkNumber" text, "paymentDate" date, amount numeric(10,2), PRIMARY KEY ("customerNumber", "checkNumber")' },
  { file: 'productlines.csv', table: 'productlines', columns: '"productLine" text PRIMARY KEY, "textDescription" text, "htmlDescription" text, image text' },
  { file: 'products.csv', table: 'products', columns: '"productCode" text PRIMARY KEY, "productName" text, "productLine" text, "productScale" text, "productVendor" text, "productDescription" text, "quantityInStock" integer, "warehouseCode" text, "buyPrice" numeric(10,2), "MSRP" numeric(10,2)' },
  { file: 'warehouses.csv', table: 'warehouses', columns: '"warehouseCode" text PRIMARY KEY, "warehouseName" text, "warehousePctCap" numeric' },
];

/** The datasets a migration test loads: schema in the source database → its tables. */
export const DATASETS = {
  northwind: { folder: 'northwind', tables: NORTHWIND },
  modelcars: { folder: 'model-cars', tables: MODEL_CARS },
} as const;

export type DatasetName = keyof typeof DATASETS;

/**
 * Creates schema `name` in the source database and loads every CSV of the dataset with PostgreSQL's
 * own `COPY … (FORMAT csv, HEADER)` (quoted line breaks, CRLF, empty = NULL), independently of our readers.
 */
export async function loadDataset(client: pg.Client, name: DatasetName): Promise<string[]> {
  const dataset = DATASETS[name];
  const dir = join(requireSharedData(), dataset.folder);
  await client.query(`CREATE SCHEMA ${name}`);
  for (const table of dataset.tables) {
    await client.query(`CREATE TABLE ${name}.${table.table} (${table.columns})`);
    await pipeline(createReadStream(join(dir, table.file)), client.query(copyFrom(`COPY ${name}.${table.table} FROM STDIN WITH (FORMAT csv, HEADER true)`)));
  }
  return dataset.tables.map((t) => `${name}.${t.table}`);
}
