import type { ClientBase } from 'pg';
import type { Pgoutput } from 'pg-logical-replication';
import { sourceColumn, type ColumnRow, type SourceColumn, type SourceTable } from './table-catalog.js';

/**
 * The table as a pgoutput Relation message describes it now, when the message names columns the
 * source does not know yet (an `ALTER TABLE … ADD COLUMN` since the table was read): those columns are
 * appended, typed from the catalog by the type the message carries, and the output table gains them
 * (the sinks add them as nullable columns; rows written before have no value). Undefined when nothing
 * was added. Dropped or retyped columns are left as they are: a dropped column's values arrive as null.
 */
export async function evolveTable(client: ClientBase, table: SourceTable, relation: Pgoutput.MessageRelation): Promise<SourceTable | undefined> {
  const known = new Set(table.columns.map((c) => c.name));
  const added = relation.columns.filter((c) => !known.has(c.name));
  if (added.length === 0) return undefined;
  const columns: SourceColumn[] = [];
  for (const column of added) {
    const found = await client.query<ColumnRow>(
      `SELECT $3::text AS name, b.oid::int AS oid, format_type(t.oid, $2::int) AS type_name, b.typcategory::text AS category,
              CASE WHEN b.typcategory = 'A' THEN b.typelem::int ELSE 0 END AS elem_oid,
              format_type(e.oid, NULL) AS elem_name, e.typcategory::text AS elem_category, coalesce(e.typdelim, ',')::text AS delimiter
         FROM pg_type t
         JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
         LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
        WHERE t.oid = $1`,
      [column.typeOid, column.typeMod, column.name],
    );
    const row = found.rows[0];
    if (row === undefined) throw new Error(`type ${column.typeOid} of the new column ${column.name} of ${table.schema}.${table.name} is not in the catalog`);
    columns.push(sourceColumn(row, `tables.${table.selector}`));
  }
  return {
    ...table,
    columns: [...table.columns, ...columns],
    spec: { ...table.spec, columns: [...table.spec.columns, ...columns.map((c) => ({ name: c.name, type: c.mapping.type }))] },
  };
}
