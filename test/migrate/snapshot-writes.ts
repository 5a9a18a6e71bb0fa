import type pg from 'pg';
import { migrateTopology } from '../../cli/migrate-topology.js';
import { PostgresSource } from '../../connectors/postgres/source/postgres-source.js';
import { isTransactionalSink, MemoryDeadLetterSink, PipelineRunner, type PipelineSummary, type Sink, type StreamRecord, type TableRow, type TransactionalSink } from '../../engine/index.js';
import { waitUntil } from './wait-until.js';

/** The table the writes go to: `rows` rows `(i, i, 'row ' || i)`. */
export async function createItems(client: pg.ClientBase, rows: number): Promise<void> {
  await client.query('CREATE TABLE items (id integer PRIMARY KEY, v integer NOT NULL, note text)');
  await client.query(`INSERT INTO items SELECT i, i, 'row ' || i FROM generate_series(1, ${rows}) i`);
}

/**
 * The writes committed while the snapshot is held after its first page: an update, two updates of one
 * row, a delete, an insert, a key change, a rolled-back transaction and a committed one of three changes.
 */
export async function writeDuringSnapshot(client: pg.ClientBase): Promise<void> {
  const run = (sql: string): Promise<unknown> => client.query(sql);
  await run('UPDATE items SET v = v + 1000 WHERE id = 1500');
  await run('UPDATE items SET v = 2 WHERE id = 10');
  await run('UPDATE items SET v = 3 WHERE id = 10');
  await run('DELETE FROM items WHERE id = 1200');
  await run(`INSERT INTO items VALUES (50000, 1, 'inserted')`);
  await run('UPDATE items SET id = 60000 WHERE id = 11');
  await run('BEGIN');
  await run('UPDATE items SET v = -1 WHERE id = 20');
  await run(`INSERT INTO items VALUES (70000, 1, 'rolled back')`);
  await run('ROLLBACK');
  await run('BEGIN');
  await run(`INSERT INTO items VALUES (50001, 1, 'in a transaction')`);
  await run('UPDATE items SET v = 7 WHERE id = 50000');
  await run('DELETE FROM items WHERE id = 13');
  await run('COMMIT');
}

/** What the writes above must become, in commit order: `[op, id, v]` (v null for deletes). */
export const CHANGES_OF_THE_WRITES: readonly (readonly [string, number, number | null])[] = [
  ['upsert', 1500, 2500],
  ['upsert', 10, 2],
  ['upsert', 10, 3],
  ['delete', 1200, null],
  ['upsert', 50000, 1],
  ['delete', 11, null],
  ['upsert', 60000, 11],
  ['upsert', 50001, 1],
  ['upsert', 50000, 7],
  ['delete', 13, null],
];

/** `sink`, remembering every record it made durable, in order (a transactional sink stays one). */
export function recording(sink: Sink, written: StreamRecord<TableRow>[]): Sink {
  const wrapped: Sink = {
    name: sink.name,
    open: (ctx) => sink.open(ctx),
    write: async (batch, ctx) => {
      await sink.write(batch, ctx);
      written.push(...batch);
    },
    flush: (end) => sink.flush(end),
    close: () => sink.close(),
  };
  if (!isTransactionalSink(sink)) return wrapped;
  const transactional: TransactionalSink = { ...wrapped, storedPositions: (source) => sink.storedPositions(source) };
  return transactional;
}

export interface SnapshotWritesRun {
  readonly summary: PipelineSummary;
  /** Every record the sink made durable, in order. */
  readonly written: StreamRecord<TableRow>[];
}

/**
 * Migrates table `items` of the source into `sink` (pipeline `migrate-<name>`, slot `cloudpulse_<name>`),
 * pausing the snapshot after its first page while {@link writeDuringSnapshot} commits, then following
 * changes until the last of them is durable in the sink.
 */
export async function migrateWithWritesDuringSnapshot(options: { sourceUrl: string; writer: pg.ClientBase; name: string; sink: Sink; chunkRows: number }): Promise<SnapshotWritesRun> {
  const written: StreamRecord<TableRow>[] = [];
  let writes: Promise<void> | undefined;
  const slot = `cloudpulse_${options.name}`;
  const source: PostgresSource = new PostgresSource(
    { type: 'postgres', url: options.sourceUrl, tables: ['items'], slot, publication: slot, chunkRows: options.chunkRows },
    {
      onSnapshotProgress: (progress) => {
        if (writes !== undefined || progress.rowsRead === 0) return;
        // The first page is read: hold the snapshot while the writes commit, so they land in its middle.
        source.pause();
        writes = writeDuringSnapshot(options.writer).finally(() => source.resume());
      },
    },
  );
  const tables = await source.prepare();
  const runner = new PipelineRunner({
    topology: migrateTopology(`migrate-${options.name}`, tables.map((t) => t.spec)),
    streams: { changes: source },
    sinks: [recording(options.sink, written)],
    deadLetters: new MemoryDeadLetterSink(),
  });
  const run = runner.run();
  await waitUntil('the writes ran', async () => writes !== undefined);
  await writes;
  await waitUntil('the last change reached the target', async () => written.some((r) => r.value.row.id === 13 && r.op === 'delete'), 90_000);
  runner.stop();
  return { summary: await run, written };
}

/** The records after the snapshot as `[op, id, v]`, for comparison with {@link CHANGES_OF_THE_WRITES}. */
export function changesAfter(written: readonly StreamRecord<TableRow>[], snapshotRows: number): [string, unknown, unknown][] {
  return written.slice(snapshotRows).map((r) => [r.op ?? 'upsert', r.value.row.id, r.value.row.v ?? null]);
}
