import { ConfigError, type Cell, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';
import { INDEX_NAME, type ElasticsearchTableSettings } from './config.js';
import { documentIdFunction } from './document-id.js';
import { CellRejection, documentEncoder } from './document-encoder.js';
import { tableMappings, type FieldMapping } from './index-mappings.js';

/** What a bulk request does with a document. */
export type BulkAction = 'index' | 'create' | 'delete';

/** One document operation of a bulk request, ready to send. */
export interface BulkOperation {
  readonly record: StreamRecord<TableRow>;
  readonly index: string;
  readonly id: string;
  readonly action: BulkAction;
  /** The action line and, except for a delete, the document line, each ending in `\n`. */
  readonly ndjson: string;
}

/** A record the sink refuses before sending, with the field at fault. */
export interface LocalRejection {
  readonly record: StreamRecord<TableRow>;
  readonly field: string;
  readonly detail: string;
}

/** Where a table goes: one index, monthly indices, or a data stream. */
export type IndexLayout = { readonly kind: 'index' } | { readonly kind: 'monthly'; readonly column: string } | { readonly kind: 'data-stream'; readonly timestampColumn: string };

/**
 * One output table as the sink writes it: its index (or index pattern, or data stream), the index
 * template that maps its declared columns, and the encoding of its records into bulk operations
 * (`_id` from the key, `index`/`create`/`delete`, and an external version: from `versionColumn` when
 * configured, else the record's own `version` when it has one, so a change applied again after a restart
 * is a 409 instead of a second write).
 */
export class TableTarget {
  readonly spec: TableSpec;
  /** The index, or the base of the monthly indices, or the data stream. */
  readonly index: string;
  readonly layout: IndexLayout;
  readonly mappings: { dynamic: 'strict'; properties: Record<string, FieldMapping> };
  private readonly idOf: ReturnType<typeof documentIdFunction>;
  private readonly encodeDocument: (row: Readonly<Record<string, Cell>>) => string;
  private readonly versionColumn: string | undefined;
  private readonly quotedIndex: string;

  /** Validates the table and its settings; a problem is a `ConfigError` naming `<path>.<field>`. */
  constructor(spec: TableSpec, settings: ElasticsearchTableSettings | undefined, indexPrefix: string, path: string) {
    const settingsPath = `${path}.tableSettings.${spec.name}`;
    const columns = new Map(spec.columns.map((c) => [c.name, c.type]));
    if (spec.key.length === 0) throw new ConfigError(`${path}.tables`, `table ${JSON.stringify(spec.name)} declares no key columns; the Elasticsearch sink needs them for the document _id`);
    for (const key of spec.key) if (!columns.has(key)) throw new ConfigError(`${path}.tables`, `key column ${JSON.stringify(key)} is not a column of ${JSON.stringify(spec.name)}`);
    const column = (field: string, name: string | undefined, types: readonly string[]): string | undefined => {
      if (name === undefined) return undefined;
      const type = columns.get(name);
      if (type === undefined) throw new ConfigError(`${settingsPath}.${field}`, `${spec.name} has no column ${JSON.stringify(name)} (columns: ${[...columns.keys()].join(', ')})`);
      if (!types.includes(type)) throw new ConfigError(`${settingsPath}.${field}`, `column ${name} is ${type}; it must be ${types.join(' or ')}`);
      return name;
    };
    (settings?.textColumns ?? []).forEach((name, i) => column(`textColumns.${i}`, name, ['text']));
    this.versionColumn = column('versionColumn', settings?.versionColumn, ['integer', 'timestamptz']);
    const monthly = column('monthlyBy', settings?.monthlyBy, ['timestamptz', 'date']);
    if (monthly !== undefined && !spec.key.includes(monthly)) {
      throw new ConfigError(`${settingsPath}.monthlyBy`, `${monthly} is not a key column of ${spec.name} (key: ${spec.key.join(', ')}): every version of a row must land in the same monthly index`);
    }
    const timestamp = column('dataStreamTimestamp', settings?.dataStreamTimestamp, ['timestamptz', 'date']);
    this.layout = monthly !== undefined ? { kind: 'monthly', column: monthly } : timestamp !== undefined ? { kind: 'data-stream', timestampColumn: timestamp } : { kind: 'index' };
    this.spec = spec;
    this.index = settings?.index ?? `${indexPrefix}${spec.name}`;
    if (!INDEX_NAME.test(this.index) || this.index.length > 200) {
      throw new ConfigError(settings?.index === undefined ? `${path}.indexPrefix` : `${settingsPath}.index`, `${JSON.stringify(this.index)} is not a valid index name (lowercase; no \\ / * ? " < > | , # : or space)`);
    }
    this.mappings = tableMappings(spec, settings?.textColumns ?? [], this.layout.kind === 'data-stream');
    this.idOf = documentIdFunction(spec);
    this.encodeDocument = documentEncoder(spec, timestamp);
    this.quotedIndex = JSON.stringify(this.index);
  }

  /** The name patterns the table's index template applies to. */
  get indexPatterns(): string[] {
    return this.layout.kind === 'monthly' ? [`${this.index}-*`] : [this.index];
  }

  /** What to search or refresh to see every document of the table. */
  get searchTarget(): string {
    return this.layout.kind === 'monthly' ? `${this.index}-*` : this.index;
  }

  /**
   * The document `_id` of a record (its key), or why it has none. The id alone names the document: a
   * monthly index is chosen by a key column, so one id never lives in two indices of a table.
   */
  documentId(record: StreamRecord<TableRow>): string | LocalRejection {
    const id = this.idOf(record.value.row);
    return typeof id === 'string' ? id : { record, field: id.missingKey, detail: `key column ${id.missingKey} is null: the row has no document _id` };
  }

  /**
   * A record's own version (a change-data source's WAL position) as the external version, unless the
   * table is a data stream (append-only: `create` takes no external version).
   */
  private versionOfRecord(record: StreamRecord<TableRow>): number | undefined {
    const version = record.version;
    if (version === undefined || this.layout.kind === 'data-stream') return undefined;
    if (Number.isSafeInteger(version) && version >= 0) return version;
    throw new CellRejection(this.spec.key[0]!, `the record's version ${String(version)} is not a whole number ≥ 0`);
  }

  /** The bulk operation of a record whose `documentId` is `id`, or why it cannot be sent. */
  encode(record: StreamRecord<TableRow>, id: string): BulkOperation | LocalRejection {
    const row = record.value.row;
    try {
      const index = this.layout.kind === 'monthly' ? monthlyIndex(this.index, this.layout.column, row[this.layout.column]) : this.index;
      const quotedIndex = index === this.index ? this.quotedIndex : JSON.stringify(index);
      const version = this.versionColumn !== undefined ? versionOf(this.versionColumn, row[this.versionColumn], record.op === 'delete') : this.versionOfRecord(record);
      const versioning = version === undefined ? '' : `,"version":${version},"version_type":"external"`;
      const target = `{"_index":${quotedIndex},"_id":${JSON.stringify(id)}${versioning}}}\n`;
      let ndjson: string;
      let action: BulkAction;
      if (record.op === 'delete') {
        if (this.layout.kind === 'data-stream') throw new CellRejection(this.spec.key[0]!, `a delete cannot reach data stream ${this.index} (append-only: create operations only)`);
        action = 'delete';
        ndjson = `{"delete":${target}`;
      } else {
        action = this.layout.kind === 'data-stream' ? 'create' : 'index';
        ndjson = `{"${action}":${target}${this.encodeDocument(row)}\n`;
      }
      return { record, index, id, action, ndjson };
    } catch (error) {
      if (error instanceof CellRejection) return { record, field: error.field, detail: error.detail };
      throw error;
    }
  }
}

/** `<base>-YYYY.MM` (UTC) from a timestamptz (epoch ms) or date (`YYYY-MM-DD`) cell. */
function monthlyIndex(base: string, column: string, value: Cell | undefined): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return `${base}-${date.getUTCFullYear()}.${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return `${base}-${value.slice(0, 4)}.${value.slice(5, 7)}`;
  throw new CellRejection(column, `${JSON.stringify(value ?? null)} names no month for the monthly index`);
}

/** An external version: a whole number in [0, 2^53) (a delete without one is unversioned). */
function versionOf(column: string, value: Cell | undefined, isDelete: boolean): number | undefined {
  if ((value === null || value === undefined) && isDelete) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new CellRejection(column, `version ${JSON.stringify(value ?? null)} is not a whole number ≥ 0`);
}
