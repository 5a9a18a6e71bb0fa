import type pg from 'pg';
import { quoteIdentifier } from '../../connectors/postgres/quote-identifier.js';

interface SourceColumn {
  readonly name: string;
  readonly type: string;
  readonly category: string;
}

/**
 * Every row of a source table and of its copy in the target, each column rendered to one comparable
 * text by SQL on each side (computed from the source's declared types, not from the migration's
 * mapping): numbers without trailing zeros, timestamps as UTC to the millisecond, JSON and arrays as
 * normalized jsonb, everything else as PostgreSQL's text. Rows sorted by key.
 */
export async function readBothSides(source: pg.ClientBase, target: pg.ClientBase, schema: string, table: string, targetSchema: string): Promise<{ source: string[][]; target: string[][] }> {
  const columns = await source.query<SourceColumn>(
    `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory::text AS category
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`${quoteIdentifier(schema)}.${quoteIdentifier(table)}`],
  );
  const expression = (column: SourceColumn, side: 'source' | 'target'): string => {
    const c = quoteIdentifier(column.name);
    if (column.category === 'N' && /^(real|double precision)$/.test(column.type)) return `${c}::float8::text`;
    if (column.category === 'N') return `trim_scale(${c}::numeric)::text`;
    if (column.type.startsWith('timestamp')) {
      const utc = column.type.includes('with time zone') || side === 'target' ? `${c} AT TIME ZONE 'UTC'` : c;
      return `to_char(${utc}, 'YYYY-MM-DD HH24:MI:SS.MS')`;
    }
    if (column.type === 'json' || column.type === 'jsonb') return `${c}::jsonb::text`;
    if (column.category === 'A') return side === 'source' ? `array_to_json(${c})::jsonb::text` : `${c}::jsonb::text`;
    return `${c}::text`;
  };
  const read = async (client: pg.ClientBase, side: 'source' | 'target', qualified: string): Promise<string[][]> => {
    const list = columns.rows.map((column) => expression(column, side)).join(', ');
    const result = await client.query<string[]>({ text: `SELECT ${list} FROM ${qualified}`, rowMode: 'array' });
    return (result.rows as unknown as string[][]).map((row) => [...row]).sort(compareRows);
  };
  return {
    source: await read(source, 'source', `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`),
    target: await read(target, 'target', `${quoteIdentifier(targetSchema)}.${quoteIdentifier(table)}`),
  };
}

function compareRows(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
