import { Observable, map, type Subscriber } from 'rxjs';
import {
  partitionId,
  type Boundedness,
  type Cell,
  type Row,
  type Source,
  type SourceContext,
  type SourcePosition,
  type StreamBatch,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type Topology,
} from '../../engine/index.js';

/**
 * The table every sink's contract run writes: a composite key (text + integer) and one column of each
 * type. Each test uses its own table name, so tests never see each other's rows.
 */
export function conformanceTable(name: string): TableSpec {
  return {
    name,
    description: 'sink conformance table',
    columns: [
      { name: 'id', type: 'text' },
      { name: 'seq', type: 'integer' },
      { name: 'amount', type: 'numeric' },
      { name: 'label', type: 'text' },
      { name: 'flag', type: 'boolean' },
      { name: 'at', type: 'timestamptz' },
      { name: 'day', type: 'date' },
    ],
    key: ['id', 'seq'],
  };
}

// Values every sink must store exactly: quotes, separators, escapes, unicode, SQL and JSON syntax.
const LABELS = [
  'plain',
  `it's "quoted"`,
  'semi; colon; DROP TABLE users; --',
  'tab\there, newline\nthere, cr\rhere',
  'back\\slash \\N \\. end',
  'naïve café — 日本語 ✓ 🚀',
  '{"json": [1, 2]}',
  '',
  'SELECT * FROM "select" WHERE 1=1',
];

/** A deterministic row of the conformance table; `version` changes every non-key value. */
export function conformanceRow(id: string, seq: number, version = 0): Record<string, Cell> {
  const n = seq + version * 1000;
  return {
    id,
    seq,
    amount: n % 5 === 0 ? null : Math.round(n * 137.25) / 100,
    label: LABELS[n % LABELS.length]!,
    flag: n % 3 === 0 ? null : n % 2 === 0,
    at: Date.UTC(2024, 0, 2, 14, 30) + n * 60_123,
    day: `2024-03-${String((n % 28) + 1).padStart(2, '0')}`,
  };
}

/** Records of one source partition with offsets from `firstOffset`, as a file source would emit them. */
export function conformanceRecords(
  table: string,
  rows: readonly Record<string, Cell>[],
  firstOffset: number,
  options: { source?: string; op?: (index: number) => 'delete' | undefined } = {},
): StreamRecord<TableRow>[] {
  const source = options.source ?? 'conformance.csv';
  return rows.map((row, i) => {
    const op = options.op?.(i);
    return {
      value: { table, row },
      eventTime: 0,
      position: { source, partition: source, offset: firstOffset + i },
      ...(op === undefined ? {} : { op }),
    };
  });
}

/** A topology that writes each input row, unchanged, to one table (the row carries its cells). */
export function passthroughTopology(spec: TableSpec, name = 'conformance'): Topology {
  return {
    name,
    description: 'sink conformance: input rows straight to one table',
    inputs: [{ name: 'rows', kind: 'stream', description: 'rows of the table', defaultFile: 'rows.csv', readOptions: () => ({}) }],
    outputs: [spec],
    options: [],
    graph: [{ from: 'rows', to: spec.name }],
    build(inputs) {
      return inputs.streams.rows!.pipe(
        map((batch): StreamBatch<TableRow> => ({
          records: batch.records.map((record) => ({ ...record, value: { table: spec.name, row: record.value } })),
        })),
      );
    },
  };
}

/**
 * An in-memory bounded source that honours `resumeFrom` like a real one (records at or below a
 * partition's resume offset are skipped) and remembers what it was asked to resume from.
 */
export class ResumableSource implements Source<Row> {
  readonly boundedness: Boundedness = 'bounded';
  resumedFrom: readonly SourcePosition[] = [];
  readonly committed: SourcePosition[] = [];
  private paused = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly batches: readonly (readonly StreamRecord<Row>[])[],
  ) {}

  open(ctx: SourceContext): Observable<StreamBatch<Row>> {
    this.resumedFrom = ctx.resumeFrom;
    const after = new Map(ctx.resumeFrom.map((p) => [partitionId(p), p.offset]));
    return new Observable<StreamBatch<Row>>((subscriber) => {
      let closed = false;
      void this.emit(subscriber, after, () => closed);
      return () => {
        closed = true;
        this.wake?.();
      };
    });
  }

  private async emit(subscriber: Subscriber<StreamBatch<Row>>, after: ReadonlyMap<string, number>, closed: () => boolean): Promise<void> {
    for (const batch of this.batches) {
      while (this.paused && !closed()) await new Promise<void>((resolve) => (this.wake = resolve));
      // One batch per macrotask, as a real source reading from disk or network.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (closed()) return;
      const records = batch.filter((r) => r.position.offset > (after.get(partitionId(r.position)) ?? -Infinity));
      if (records.length > 0) subscriber.next({ records });
    }
    subscriber.complete();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    this.committed.push(...positions);
  }

  async close(): Promise<void> {}
}

/** Input batches for {@link passthroughTopology}: the rows of `conformanceRecords` as source records. */
export function inputBatches(records: readonly StreamRecord<TableRow>[], batchSize: number): StreamRecord<Row>[][] {
  const out: StreamRecord<Row>[][] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    out.push(records.slice(i, i + batchSize).map((r) => ({ ...r, value: r.value.row })));
  }
  return out;
}
