import { rowKey, type Cell, type Sink, type StreamRecord, type TableRow, type TableSpec } from '../engine/index.js';

/**
 * An in-memory upsert table per output table: `write` appends the rows, `rows` compacts them to the
 * last row per key (the table's key columns, as `rowKey` joins them). The cheapest honest
 * destination for window results, so the bench measures the engine, not a disk or a database.
 */
export class LastRowSink implements Sink {
  readonly name = 'last-row';
  private readonly tables = new Map<string, { readonly spec: TableSpec; readonly rows: Readonly<Record<string, Cell>>[] }>();

  async open(ctx: { readonly tables: readonly TableSpec[] }): Promise<void> {
    for (const spec of ctx.tables) this.tables.set(spec.name, { spec, rows: [] });
  }

  async write(batch: readonly StreamRecord<TableRow>[]): Promise<void> {
    for (const record of batch) {
      const table = this.tables.get(record.value.table);
      if (table === undefined) throw new Error(`row for undeclared table ${record.value.table}`);
      table.rows.push(record.value.row);
    }
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  /** The table's rows, last one per key, in the order each key was first written. */
  rows(name: string): Readonly<Record<string, Cell>>[] {
    const table = this.tables.get(name);
    if (table === undefined) return [];
    const byKey = new Map<string, Readonly<Record<string, Cell>>>();
    for (const row of table.rows) byKey.set(rowKey(table.spec, row), row);
    return [...byKey.values()];
  }
}
