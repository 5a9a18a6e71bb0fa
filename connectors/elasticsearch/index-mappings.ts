import type { estypes } from '@elastic/elasticsearch';
import type { ColumnType, TableSpec } from '../../engine/index.js';

/** The mapping of one field, as Elasticsearch takes it in `properties`. */
export type FieldMapping = estypes.MappingProperty;

/** The field that carries a data stream's time (Elasticsearch requires this name). */
export const DATA_STREAM_TIMESTAMP = '@timestamp';

/**
 * The field mapping of a declared column type. Text is `keyword` (exact values: filters, terms
 * aggregations, sorting) unless listed as full text (`text`, with a `.keyword` subfield for the same
 * exact uses); timestamptz cells travel as epoch ms, dates as `YYYY-MM-DD`.
 */
export function fieldMapping(type: ColumnType, fullText = false): FieldMapping {
  switch (type) {
    case 'text':
      // 8191 characters × 4 bytes stays under Lucene's 32766-byte term limit.
      return fullText ? { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 8191 } } } : { type: 'keyword' };
    case 'integer':
      return { type: 'long' };
    case 'numeric':
      return { type: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'timestamptz':
      return { type: 'date', format: 'epoch_millis||strict_date_optional_time' };
    case 'date':
      return { type: 'date', format: 'strict_date' };
  }
}

/**
 * The mappings of a table's index: one field per declared column, `dynamic: strict` so a document with
 * a field the table does not declare is rejected rather than guessed at; plus `@timestamp` for a data stream.
 */
export function tableMappings(spec: TableSpec, textColumns: readonly string[], dataStream: boolean): { dynamic: 'strict'; properties: Record<string, FieldMapping> } {
  const fullText = new Set(textColumns);
  const properties: Record<string, FieldMapping> = {};
  for (const column of spec.columns) properties[column.name] = fieldMapping(column.type, fullText.has(column.name));
  if (dataStream) properties[DATA_STREAM_TIMESTAMP] = { type: 'date', format: 'epoch_millis||strict_date_optional_time' };
  return { dynamic: 'strict', properties };
}

/** How an existing index's mapping differs from the table's: fields to add, fields of another type. */
export interface MappingDifference {
  readonly missing: Record<string, FieldMapping>;
  readonly conflicts: readonly { readonly field: string; readonly existing: string; readonly expected: string }[];
}

/**
 * Compares an index's current `properties` with the wanted ones. A missing field can be added (a column
 * added in a later version); a field of another type cannot be changed in place.
 */
export function compareMappings(existing: Readonly<Record<string, { type?: unknown }>>, wanted: Readonly<Record<string, FieldMapping>>): MappingDifference {
  const missing: Record<string, FieldMapping> = {};
  const conflicts: { field: string; existing: string; expected: string }[] = [];
  for (const [field, mapping] of Object.entries(wanted)) {
    const current = existing[field];
    if (current === undefined) missing[field] = mapping;
    // An object field has no `type`, only `properties`.
    else if ((current.type ?? 'object') !== (mapping.type ?? 'object')) conflicts.push({ field, existing: String(current.type ?? 'object'), expected: mapping.type ?? 'object' });
  }
  return { missing, conflicts };
}
