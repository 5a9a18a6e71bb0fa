import pg from 'pg';
import { PermanentError } from '../../../engine/index.js';
import { quoteIdentifier } from '../quote-identifier.js';
import { formatLsn, parseLsn } from './lsn.js';
import type { SourceTable } from './table-catalog.js';

/**
 * Refuses to start unless the server's `wal_level` is `logical`: a slot cannot decode changes from
 * anything less, and finding out later would lose them.
 */
export async function checkWalLevel(client: pg.ClientBase): Promise<void> {
  const result = await client.query<{ wal_level: string }>('SHOW wal_level');
  const level = result.rows[0]?.wal_level;
  if (level !== 'logical') {
    throw new PermanentError(
      `the source server has wal_level = ${level ?? 'unknown'}; change-data capture needs wal_level = logical (set it in postgresql.conf or with ALTER SYSTEM SET wal_level = logical, then restart the server), or use --snapshot-only`,
      { code: 'postgres_wal_level' },
    );
  }
}

/** Creates the publication of the selected tables, or sets its table list when it exists with others. */
export async function ensurePublication(client: pg.ClientBase, publication: string, tables: readonly SourceTable[]): Promise<void> {
  const list = tables.map((t) => t.qualified).join(', ');
  const existing = await client.query<{ schema: string; name: string }>(
    'SELECT schemaname::text AS schema, tablename::text AS name FROM pg_publication_tables WHERE pubname = $1',
    [publication],
  );
  const found = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (found.rowCount === 0) {
    await client.query(`CREATE PUBLICATION ${quoteIdentifier(publication)} FOR TABLE ${list}`);
    return;
  }
  const have = new Set(existing.rows.map((r) => `${r.schema}.${r.name}`));
  const want = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  if (have.size !== want.size || [...want].some((t) => !have.has(t))) {
    await client.query(`ALTER PUBLICATION ${quoteIdentifier(publication)} SET TABLE ${list}`);
  }
}

/** A replication slot as `pg_replication_slots` shows it. */
export interface SlotState {
  readonly plugin: string | null;
  readonly database: string | null;
  /** Changes committed before this LSN are not sent again. */
  readonly confirmedFlush: number;
  /** Where decoding (re)starts: every change the slot still sends has its WAL record at or after it. */
  readonly restartLsn: number;
  readonly active: boolean;
}

export async function readSlot(client: pg.ClientBase, slot: string): Promise<SlotState | undefined> {
  const result = await client.query<{ plugin: string | null; database: string | null; confirmed: string | null; restart: string | null; active: boolean }>(
    'SELECT plugin::text AS plugin, database::text AS database, confirmed_flush_lsn::text AS confirmed, restart_lsn::text AS restart, active FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return { plugin: row.plugin, database: row.database, confirmedFlush: row.confirmed === null ? 0 : parseLsn(row.confirmed), restartLsn: row.restart === null ? 0 : parseLsn(row.restart), active: row.active };
}

/**
 * When this migration's slot was created, as noted on its publication (`noteSlotCreation`): positions a
 * target stored before that LSN came through an earlier slot of the same name (dropped with `--drop-slot`,
 * or by an administrator) and say nothing about this slot's snapshot. `unknown`: no note (a publication
 * made elsewhere); `creating`: the slot was being created when the last run stopped.
 */
export type SlotOrigin = { readonly state: 'unknown' } | { readonly state: 'creating' } | { readonly state: 'created'; readonly consistentPoint: number };

const ORIGIN_NOTE = /^cloudpulse slot (\S+) (creating|created at ([0-9A-Fa-f]+\/[0-9A-Fa-f]+))$/;

/** Notes on the publication that `slot` is being created (`consistentPoint` undefined) or was, at that LSN. */
export async function noteSlotCreation(client: pg.ClientBase, publication: string, slot: string, consistentPoint?: number): Promise<void> {
  const note = `cloudpulse slot ${slot} ${consistentPoint === undefined ? 'creating' : `created at ${formatLsn(consistentPoint)}`}`;
  await client.query(`COMMENT ON PUBLICATION ${quoteIdentifier(publication)} IS '${note.replaceAll("'", "''")}'`);
}

export async function readSlotOrigin(client: pg.ClientBase, publication: string, slot: string): Promise<SlotOrigin> {
  const result = await client.query<{ note: string | null }>("SELECT obj_description(oid, 'pg_publication') AS note FROM pg_publication WHERE pubname = $1", [publication]);
  const match = ORIGIN_NOTE.exec(result.rows[0]?.note ?? '');
  if (match === null || match[1] !== slot) return { state: 'unknown' };
  return match[3] === undefined ? { state: 'creating' } : { state: 'created', consistentPoint: parseLsn(match[3]) };
}

/** A slot just created with an exported snapshot; the snapshot lives while `replication` stays open and idle. */
export interface CreatedSlot {
  /** The first LSN the slot decodes: the snapshot holds every transaction committed before it. */
  readonly consistentPoint: number;
  readonly snapshotName: string;
  /** Closes the replication connection (after the snapshot has been imported). */
  release(): Promise<void>;
}

/**
 * `CREATE_REPLICATION_SLOT … LOGICAL pgoutput EXPORT_SNAPSHOT` on a replication connection: the
 * exported snapshot sees exactly the transactions committed before the slot's consistent point, so
 * reading the tables in it and then decoding from that point applies every change exactly once.
 */
export async function createSlotWithSnapshot(config: pg.ClientConfig, slot: string): Promise<CreatedSlot> {
  const replication = new pg.Client({ ...config, replication: 'database' } as pg.ClientConfig);
  replication.on('error', () => undefined);
  await replication.connect();
  try {
    const result = await replication.query<{ consistent_point: string; snapshot_name: string }>(`CREATE_REPLICATION_SLOT ${quoteIdentifier(slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`);
    const row = result.rows[0]!;
    return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name, release: () => replication.end().catch(() => undefined) };
  } catch (error) {
    await replication.end().catch(() => undefined);
    throw error;
  }
}

/** Removes the slot (so the server frees the WAL it kept) and the publication; missing ones are fine. */
export async function dropSlotAndPublication(client: pg.ClientBase, slot: string, publication: string): Promise<{ slot: boolean; publication: boolean }> {
  const slotRow = await readSlot(client, slot);
  if (slotRow?.active === true) {
    // A killed migration's walsender may linger until the server notices; end it so the slot can go.
    await client.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [slot]);
    for (let i = 0; i < 50 && (await readSlot(client, slot))?.active === true; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (slotRow !== undefined) await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
  const publicationRow = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (publicationRow.rowCount !== 0) await client.query(`DROP PUBLICATION ${quoteIdentifier(publication)}`);
  return { slot: slotRow !== undefined, publication: publicationRow.rowCount !== 0 };
}

/** How much WAL the slot makes the server keep, and how far its confirmed position trails the server. */
export interface SlotWalStatus {
  readonly currentLsn: number;
  /** Bytes of WAL kept for the slot (current LSN − restart LSN). */
  readonly retainedBytes: number;
  /** Bytes between the server's current LSN and the slot's confirmed flush position. */
  readonly lagBytes: number;
}

export async function slotWalStatus(client: pg.ClientBase, slot: string): Promise<SlotWalStatus | undefined> {
  const result = await client.query<{ current: string; retained: string | null; lag: string | null }>(
    `SELECT pg_current_wal_lsn()::text AS current, (pg_current_wal_lsn() - restart_lsn)::text AS retained, (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return { currentLsn: parseLsn(row.current), retainedBytes: Math.max(0, Number(row.retained ?? 0)), lagBytes: Math.max(0, Number(row.lag ?? 0)) };
}
