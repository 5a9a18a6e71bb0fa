import type pg from 'pg';

/** The third added column of `addColumnsMidStream`: its declaration, and its values for row 2 and new row 1002. */
export interface ThirdColumn {
  readonly declaration: string;
  readonly updateValue: string;
  readonly insertValue: string;
}

export const TAGS_COLUMN: ThirdColumn = { declaration: 'tags text[]', updateValue: `'{x,"y z"}'`, insertValue: `'{}'` };

/** The source tables the column-added tests start from: `items (id, name)` with `rows` rows, `other (k, v)` with one. */
export async function createColumnAddedTables(client: pg.ClientBase, rows: number): Promise<void> {
  await client.query('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)');
  await client.query(`INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, ${rows}) i`);
  await client.query('CREATE TABLE other (k text PRIMARY KEY, v integer)');
  await client.query(`INSERT INTO other VALUES ('a', 1)`);
}

/**
 * The source's writes of the column-added tests, on `items (id, name)` and `other (k, v)`: a column added
 * and used by an insert and updates, then two more added and used in one transaction (with types whose
 * values are converted), a delete, and last an update of `other` (`k = 'a'` gets `v = 2`) to wait for.
 */
export async function addColumnsMidStream(client: pg.ClientBase, third: ThirdColumn = TAGS_COLUMN, pricedIds: readonly [number, number] = [10, 20]): Promise<void> {
  const name = third.declaration.split(' ')[0]!;
  await client.query('UPDATE items SET name = $1 WHERE id = 1', ['before the new columns']);
  await client.query('ALTER TABLE items ADD COLUMN price numeric(10,2)');
  await client.query(`INSERT INTO items (id, name, price) VALUES (1001, 'new with a price', 12.34)`);
  await client.query('UPDATE items SET price = id / 4.0 WHERE id BETWEEN $1 AND $2', [...pricedIds]);
  await client.query('BEGIN');
  await client.query(`ALTER TABLE items ADD COLUMN seen_at timestamptz, ADD COLUMN ${third.declaration}`);
  await client.query(`UPDATE items SET seen_at = '2024-05-06 07:08:09.123+00', ${name} = ${third.updateValue} WHERE id = 2`);
  await client.query(`INSERT INTO items VALUES (1002, 'all columns', 5.5, '2030-01-01 00:00:00+02', ${third.insertValue})`);
  await client.query('COMMIT');
  await client.query('DELETE FROM items WHERE id = 3');
  await client.query(`UPDATE other SET v = 2 WHERE k = 'a'`);
}
