import { setImmediate as nextTurn } from 'node:timers/promises';
import pg from 'pg';
import { LogicalReplicationService, type Pgoutput } from 'pg-logical-replication';
import type { Logger } from 'pino';
import { Observable, type Subscriber } from 'rxjs';
import {
  backoffDelay,
  ConfigError,
  defaultRetryPolicy,
  PermanentError,
  rowKey,
  TransientError,
  type Boundedness,
  type Cell,
  type EngineError,
  type RetryPolicy,
  type Row,
  type Source,
  type SourceContext,
  type SourcePosition,
  type StreamBatch,
  type StreamRecord,
} from '../../../engine/index.js';
import { classifyPostgresError, postgresErrorKind } from '../classify-error.js';
import { attachSourceCopyLine, reserveSourceCopyLine } from '../copy-text.js';
import { describeConnection, resolveConnection, type PostgresConnection } from '../config.js';
import { markTable } from './change-row.js';
import { CopyTextCursor, splitCopyLine } from './copy-text-line.js';
import { ChangeDecoder, WAL_PARTITION } from './change-decoder.js';
import { sourceClientConfig } from './client-config.js';
import { CellConversionError } from './column-mapping.js';
import { postgresSourceConfigSchema, type PostgresSourceConfig, type PostgresSourceConfigInput } from './config.js';
import { formatLsn, parseLsn } from './lsn.js';
import { RawTextPgoutputPlugin } from './raw-text-pgoutput-plugin.js';
import { checkWalLevel, createSlotWithSnapshot, ensurePublication, noteSlotCreation, readSlot, readSlotOrigin, slotWalStatus, type SlotOrigin, type SlotWalStatus } from './replication-slot.js';
import { estimateRows, readTablePages } from './snapshot-reader.js';
import { describeTables, type SourceTable } from './table-catalog.js';
import { evolveTable } from './table-evolution.js';

/** The partition of snapshot positions; offsets count rows across the snapshot (informational only). */
export const SNAPSHOT_PARTITION = 'snapshot';

/** Snapshot progress of one table, reported after each page. */
export interface SnapshotProgress {
  readonly table: string;
  readonly rowsRead: number;
  readonly estimatedRows: number;
  readonly done: boolean;
}

/** The replication slot's health, measured every `statusIntervalMs` while following changes. */
export interface ReplicationStatus extends SlotWalStatus {
  readonly slot: string;
  /** Seconds since the commit of the oldest change not yet acknowledged by every sink (0 when caught up). */
  readonly lagSeconds: number;
}

export interface PostgresSourceOptions {
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  /** Where `PG*` variables are read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  readonly onSnapshotProgress?: (progress: SnapshotProgress) => void;
  readonly onReplicationStatus?: (status: ReplicationStatus) => void;
  /** A table gained columns while changes were followed (`tables` already shows it). */
  readonly onTableEvolved?: (table: SourceTable) => void;
  /** Backoff of reconnections after the server went away (default: the engine's, with more attempts). */
  readonly retryPolicy?: RetryPolicy;
}

/** Snapshot rows converted between turns of the event loop (see `snapshot`). */
const YIELD_EVERY_ROWS = 2_000;

const reconnectPolicy: RetryPolicy = { ...defaultRetryPolicy, maxAttempts: 30, maxDelayMs: 5_000 };

/**
 * PostgreSQL as a source: a consistent snapshot of the selected tables, then their changes by logical
 * replication (`pgoutput`, one publication, one slot), as records of the table rows (`TABLE_FIELD`
 * names the table; deletes have `op: 'delete'` and carry the key columns).
 *
 * The snapshot and the stream meet at the slot: the slot is created with an exported snapshot, the
 * tables are read inside it (keyset pages in primary-key order), and decoding starts at the slot's
 * consistent point. The last snapshot record carries the position just before that point, so once a
 * transactional sink holds it, a restart skips the snapshot. A snapshot cut short is read again in a
 * new snapshot while the slot, kept, replays every change since its own point over it: the target
 * converges to the source and no change is lost.
 *
 * Positions: `wal` offsets are commit LSNs; `commit()` (every sink has them) is the only thing that
 * advances the slot's confirmed position, so the server keeps every change not yet durable. A restart
 * resumes after the position stored by a transactional sink, else from the slot.
 */
export class PostgresSource implements Source<Row> {
  readonly name: string;
  readonly boundedness: Boundedness;
  private readonly config: PostgresSourceConfig;
  private readonly connection: PostgresConnection;
  private readonly clientConfig: pg.ClientConfig;
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;
  private readonly retryPolicy: RetryPolicy;
  private prepared: readonly SourceTable[] | undefined;
  private paused = false;
  private wake: (() => void) | undefined;
  private closed = false;
  private service: LogicalReplicationService | undefined;
  private readonly clients = new Set<pg.Client>();
  private statusTimer: NodeJS.Timeout | undefined;
  /** Highest `wal` offset every sink has (or the idle WAL the server confirmed as skippable). */
  private acknowledged = -1;
  private highestEmitted = -1;
  /** Commit times of emitted transactions not yet acknowledged, oldest first: the lag in seconds. */
  private readonly unacknowledged: { offset: number; eventTime: number }[] = [];
  private warnedRetained = false;

  constructor(config: PostgresSourceConfigInput | PostgresSourceConfig, private readonly options: PostgresSourceOptions = {}) {
    this.config = postgresSourceConfigSchema.parse(config);
    this.connection = resolveConnection(this.config, options.env);
    this.clientConfig = sourceClientConfig(this.connection, `${this.config.applicationName}:${this.config.slot}`, this.config.connectTimeoutMs);
    this.logger = options.logger;
    this.retryPolicy = options.retryPolicy ?? reconnectPolicy;
    this.name = this.config.slot;
    this.boundedness = this.config.snapshotOnly ? 'bounded' : 'unbounded';
  }

  /** Where this source reads, without the password. */
  get origin(): string {
    return describeConnection(this.connection);
  }

  /** The selected tables (after `prepare`), with the columns they gained while changes were followed. */
  get tables(): readonly SourceTable[] {
    if (this.prepared === undefined) throw new PermanentError('postgres source: prepare() first', { code: 'postgres_not_prepared' });
    return this.prepared;
  }

  /**
   * Checks the server (`wal_level = logical` unless snapshot-only) and reads the selected tables from
   * the catalog; their output tables are what the sinks are opened with. Fails at start naming the
   * setting or the table.
   */
  async prepare(): Promise<readonly SourceTable[]> {
    const client = await this.connect('checking the source');
    try {
      if (!this.config.snapshotOnly) await checkWalLevel(client);
      this.prepared = await describeTables(client, this.config.tables, this.config.keys, !this.config.snapshotOnly);
      return this.prepared;
    } catch (error) {
      throw classifyPostgresError(error, `reading the tables of ${this.origin}`, this.secrets());
    } finally {
      await this.release(client);
    }
  }

  open(ctx: SourceContext): Observable<StreamBatch<Row>> {
    return new Observable<StreamBatch<Row>>((subscriber) => {
      this.run(ctx, subscriber).then(
        () => subscriber.complete(),
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        this.closed = true;
        this.wake?.();
      };
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    for (const position of positions) {
      if (position.source !== this.name || position.partition !== WAL_PARTITION) continue;
      if (position.offset > this.acknowledged) this.acknowledged = position.offset;
    }
    while (this.unacknowledged.length > 0 && this.unacknowledged[0]!.offset <= this.acknowledged) this.unacknowledged.shift();
    await this.sendStatus();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    this.statusTimer = undefined;
    const service = this.service;
    this.service = undefined;
    await service?.destroy().catch(() => undefined);
    for (const client of [...this.clients]) await this.release(client);
  }

  private async run(ctx: SourceContext, subscriber: Subscriber<StreamBatch<Row>>): Promise<void> {
    if (this.prepared === undefined) await this.prepare();
    const tables = this.tables;
    const meta = await this.connect('connecting to the source');
    let reader: pg.Client | undefined;
    let startLsn = 0;
    // The snapshot rows' version: below every change the slot decodes (those all lie at or after its
    // restart LSN, even a transaction begun before the consistent point), above every change an earlier
    // migration (a dropped slot) wrote, so a row read again never replaces one the stream wrote.
    let snapshotVersion: number | undefined;
    try {
      reader = await this.connect('opening the snapshot');
      if (this.config.snapshotOnly) {
        await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      } else {
        await ensurePublication(meta, this.config.publication, tables);
        const slot = await readSlot(meta, this.config.slot);
        if (slot !== undefined && slot.plugin !== 'pgoutput') {
          throw new PermanentError(`replication slot ${this.config.slot} exists with plugin ${slot.plugin ?? 'none'}, not pgoutput: choose another --slot, or drop it`, { code: 'postgres_slot_plugin' });
        }
        if (slot !== undefined && slot.database !== this.connection.database) {
          throw new PermanentError(`replication slot ${this.config.slot} belongs to database ${slot.database ?? '?'}, not ${this.connection.database}: choose another --slot`, { code: 'postgres_slot_database' });
        }
        const origin = slot === undefined ? undefined : await readSlotOrigin(meta, this.config.publication, this.config.slot);
        const stored = ctx.resumeFrom.find((p) => p.source === this.name && p.partition === WAL_PARTITION && storedThroughThisSlot(p.offset, origin));
        if (slot === undefined) {
          await noteSlotCreation(meta, this.config.publication, this.config.slot);
          const created = await createSlotWithSnapshot(this.clientConfig, this.config.slot);
          await noteSlotCreation(meta, this.config.publication, this.config.slot, created.consistentPoint);
          try {
            await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            await reader.query(`SET TRANSACTION SNAPSHOT '${created.snapshotName.replaceAll("'", "''")}'`);
          } finally {
            await created.release();
          }
          startLsn = created.consistentPoint;
          snapshotVersion = Math.max(0, ((await readSlot(meta, this.config.slot))?.restartLsn ?? startLsn) - 1);
          this.logger?.info({ slot: this.config.slot, consistentPoint: formatLsn(startLsn) }, 'postgres source: created replication slot with an exported snapshot');
        } else if (stored !== undefined) {
          startLsn = Math.max(stored.offset + 1, slot.confirmedFlush);
          await this.release(reader);
          reader = undefined;
          this.logger?.info({ slot: this.config.slot, from: formatLsn(startLsn) }, 'postgres source: snapshot done earlier; following changes');
        } else {
          // A snapshot cut short earlier: its exported snapshot is gone. Read the tables again now; the
          // slot replays every change since its confirmed point over them, so the target converges.
          // Stopped between creating the slot and noting its consistent point: nothing was confirmed since.
          if (origin?.state === 'creating') await noteSlotCreation(meta, this.config.publication, this.config.slot, slot.confirmedFlush);
          await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          startLsn = slot.confirmedFlush;
          snapshotVersion = Math.max(0, slot.restartLsn - 1);
          this.logger?.info({ slot: this.config.slot, from: formatLsn(startLsn) }, 'postgres source: slot exists without a finished snapshot; reading the tables again');
        }
      }
      this.acknowledged = Math.max(this.acknowledged, startLsn - 1);
      if (reader !== undefined) {
        await this.snapshot(ctx, reader, subscriber, tables, this.config.snapshotOnly ? undefined : startLsn - 1, snapshotVersion);
        if (this.closed) return;
        await reader.query('COMMIT');
        await this.release(reader);
        reader = undefined;
      }
    } catch (error) {
      throw classifyPostgresError(error, `starting to read ${this.origin}`, this.secrets());
    } finally {
      if (reader !== undefined) await this.release(reader);
      await this.release(meta);
    }
    if (this.config.snapshotOnly || this.closed) return;
    await this.follow(ctx, subscriber, tables, startLsn);
  }

  /** Reads every table in the open snapshot transaction; the last record carries `marker` (the slot's position); rows carry `version`. */
  private async snapshot(ctx: SourceContext, reader: pg.Client, subscriber: Subscriber<StreamBatch<Row>>, tables: readonly SourceTable[], marker: number | undefined, version: number | undefined): Promise<void> {
    const eventTime = ctx.clock.now();
    let ordinal = 0;
    let held: StreamRecord<Row>[] | undefined;
    for (const table of tables) {
      const estimatedRows = await estimateRows(reader, table);
      const keyOf = keyFunction(table);
      // Rows whose every column a Postgres target stores from the source's text carry their COPY line.
      const lineColumns = table.columns.every((c) => c.mapping.copyTextKeepsValue) ? table.columns.map((c) => c.name) : undefined;
      const template = rowTemplate(table, lineColumns !== undefined);
      let rowsRead = 0;
      this.options.onSnapshotProgress?.({ table: table.name, rowsRead, estimatedRows, done: false });
      for await (const page of readTablePages(reader, table, this.config.chunkRows)) {
        await this.whilePaused();
        if (this.closed) return;
        const records: StreamRecord<Row>[] = [];
        const cursor = new CopyTextCursor(page.text);
        while (!cursor.done) {
          // Converting a page takes tens of milliseconds; the sink's round trips (its writes share this
          // thread) must not wait for a whole page each, or writing stalls while reading runs.
          if (ordinal % YIELD_EVERY_ROWS === 0) await nextTurn();
          const position = { source: this.name, partition: SNAPSHOT_PARTITION, offset: ++ordinal };
          const row = this.snapshotRow(ctx, table, template, cursor, position);
          if (row === undefined) continue;
          if (lineColumns !== undefined) attachSourceCopyLine(row, page, cursor.lineBegin, cursor.offset, lineColumns);
          // Two literals, not a spread: one record per row, on the snapshot's hot path.
          records.push(version === undefined ? { value: row, eventTime, key: keyOf(row), position } : { value: row, eventTime, key: keyOf(row), position, version });
        }
        if (held !== undefined) subscriber.next({ records: held });
        held = records.length > 0 ? records : undefined;
        rowsRead += page.rows;
        this.options.onSnapshotProgress?.({ table: table.name, rowsRead, estimatedRows, done: false });
      }
      this.options.onSnapshotProgress?.({ table: table.name, rowsRead, estimatedRows: Math.max(estimatedRows, rowsRead), done: true });
    }
    if (held === undefined) return;
    if (marker !== undefined && marker >= 0) {
      const last = held[held.length - 1]!;
      held[held.length - 1] = { ...last, position: { source: this.name, partition: WAL_PARTITION, offset: marker } };
      this.noteEmitted(marker, eventTime);
    }
    subscriber.next({ records: held });
  }

  /** The cells of the cursor's line (COPY text), leaving it on the next line; undefined after dead-lettering a value no cell holds. */
  private snapshotRow(ctx: SourceContext, table: SourceTable, template: Row, cursor: CopyTextCursor, position: SourcePosition): Record<string, Cell> | undefined {
    cursor.startLine();
    const row: Record<string, Cell> = { ...template };
    const columns = table.columns;
    const last = columns.length - 1;
    for (let i = 0; i <= last; i++) {
      const column = columns[i]!;
      try {
        const convertAt = column.mapping.convertAt;
        if (convertAt !== undefined && cursor.plainField(i === last)) {
          row[column.name] = convertAt(cursor.source, cursor.fieldStart, cursor.fieldEnd);
          continue;
        }
        const text = cursor.field(i === last);
        row[column.name] = text === null ? null : column.mapping.convert(text);
      } catch (error) {
        const detail = error instanceof CellConversionError ? error.message : `cannot read ${column.type.name}: ${String(error)}`;
        ctx.deadLetter({ position, reason: 'decode_error', detail: `${table.schema}.${table.name}: ${detail}`, field: column.name, raw: JSON.stringify(splitCopyLine(cursor.line())) });
        cursor.skipLine();
        return undefined;
      }
    }
    return row;
  }

  /**
   * Follows the slot from `startLsn` until closed. A lost connection (server restart, network) is
   * retried with backoff from the last transaction handed out whole; the slot still holds everything after it.
   */
  private async follow(ctx: SourceContext, subscriber: Subscriber<StreamBatch<Row>>, tables: readonly SourceTable[], startLsn: number): Promise<void> {
    const decoder = new ChangeDecoder(tables, {
      source: this.name,
      deadLetter: (letter) => ctx.deadLetter(letter),
      warn: (message) => this.logger?.warn({ slot: this.config.slot }, `postgres source: ${message}`),
    }, startLsn - 1);
    this.statusTimer = setInterval(() => void this.reportStatus(ctx), this.config.statusIntervalMs);
    let failures = 0;
    while (!this.closed) {
      const plugin = new RawTextPgoutputPlugin({ protoVersion: 1, publicationNames: [this.config.publication] });
      const service = new LogicalReplicationService(this.clientConfig, { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } });
      this.service = service;
      let handled = 0;
      let buffer: StreamRecord<Row>[] = [];
      let flushScheduled = false;
      const flush = (): void => {
        flushScheduled = false;
        if (buffer.length === 0 || this.closed) return;
        const records = buffer;
        buffer = [];
        for (const record of records) if (record.position.partition === WAL_PARTITION) this.noteEmitted(record.position.offset, record.eventTime);
        subscriber.next({ records });
      };
      let broken = false;
      service.on('data', async (lsn: string, message: Pgoutput.Message) => {
        failures = 0;
        await this.whilePaused();
        if (this.closed || broken) return;
        if (message.tag === 'relation') {
          try {
            await this.evolve(decoder, message);
          } catch (error) {
            // Nothing after this message may be decoded with the old columns: reconnect, and the server
            // sends the transaction (and its Relation message) again.
            broken = true;
            this.logger?.warn({ slot: this.config.slot, error: error instanceof Error ? error.message : String(error) }, 'postgres source: reading the columns a table gained failed; reconnecting');
            await service.destroy().catch(() => undefined);
            return;
          }
        }
        for (const record of decoder.decode(message, parseLsn(lsn))) buffer.push(record);
        if (buffer.length >= this.config.batchRecords) flush();
        else if (!flushScheduled && buffer.length > 0) {
          flushScheduled = true;
          setImmediate(flush);
        }
        handled++;
      });
      service.on('heartbeat', (lsn: string, _time: number, shouldRespond: boolean) => {
        // Nothing received is waiting, no transaction is open and every record handed out is durable:
        // the WAL up to the keepalive holds nothing for us, so the slot may release it.
        const idle = plugin.received === handled && !decoder.inTransaction && buffer.length === 0 && this.highestEmitted <= this.acknowledged;
        if (idle) this.acknowledged = Math.max(this.acknowledged, parseLsn(lsn) - 1);
        if (idle || shouldRespond) void this.sendStatus();
      });
      service.on('error', () => undefined);
      try {
        await service.subscribe(plugin, this.config.slot, formatLsn(Math.max(decoder.lastCommit + 1, this.acknowledged + 1)));
        if (this.closed) return;
        throw new Error('Connection terminated: the server ended replication');
      } catch (error) {
        if (this.closed) return;
        await service.destroy().catch(() => undefined);
        flush();
        decoder.reset();
        const classified = classifySourceError(error, `following changes of ${this.origin} (slot ${this.config.slot})`, this.secrets());
        failures++;
        if (!classified.retryable || failures >= this.retryPolicy.maxAttempts) throw classified;
        this.logger?.warn({ slot: this.config.slot, attempt: failures, error: classified.message }, 'postgres source: replication connection lost; reconnecting');
        ctx.events.emit({ type: 'retry', topology: ctx.topology, component: `postgres-source:${this.config.slot}`, errorCode: classified.code, attempt: failures });
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.retryPolicy, failures)));
      }
    }
  }

  /**
   * A Relation message naming columns the source does not know: the table gains them (typed from the
   * catalog) before the changes that carry them are decoded, and `tables` shows the evolved output
   * table, which the pipeline hands to its sinks before their next write.
   */
  private async evolve(decoder: ChangeDecoder, relation: Pgoutput.MessageRelation): Promise<void> {
    const table = decoder.tableOf(relation);
    if (table === undefined) return;
    const known = new Set(table.columns.map((c) => c.name));
    if (relation.columns.every((c) => known.has(c.name))) return;
    const client = await this.connect('reading the columns a table gained');
    let evolved: SourceTable | undefined;
    try {
      evolved = await evolveTable(client, table, relation);
    } catch (error) {
      // A column the sinks cannot name is reported by the decoder and skipped; anything else is retried.
      if (error instanceof ConfigError) return;
      throw error;
    } finally {
      await this.release(client);
    }
    if (evolved === undefined) return;
    decoder.replaceTable(evolved);
    this.prepared = (this.prepared ?? []).map((t) => (t.name === evolved.name ? evolved : t));
    const added = evolved.columns.slice(table.columns.length).map((c) => `${c.name} (${c.mapping.description})`);
    this.logger?.info({ slot: this.config.slot, table: `${evolved.schema}.${evolved.name}`, added }, 'postgres source: the table gained columns; the output table gains them too');
    this.options.onTableEvolved?.(evolved);
  }

  private noteEmitted(offset: number, eventTime: number): void {
    if (offset > this.highestEmitted) {
      this.highestEmitted = offset;
      this.unacknowledged.push({ offset, eventTime });
    }
  }

  /** Tells the server the confirmed position (also the reply to its keepalives, against wal_sender_timeout). */
  private async sendStatus(): Promise<void> {
    const service = this.service;
    if (service === undefined || service.isStop() || this.acknowledged < 0) return;
    await service.acknowledge(formatLsn(this.acknowledged)).catch(() => undefined);
  }

  private async reportStatus(ctx: SourceContext): Promise<void> {
    await this.sendStatus();
    let client: pg.Client | undefined;
    try {
      client = await this.connect('measuring the slot');
      const status = await slotWalStatus(client, this.config.slot);
      if (status === undefined) return;
      const oldest = this.unacknowledged[0];
      const lagSeconds = oldest === undefined ? 0 : Math.max(0, (ctx.clock.now() - oldest.eventTime) / 1000);
      this.options.onReplicationStatus?.({ ...status, slot: this.config.slot, lagSeconds });
      if (status.retainedBytes > this.config.retainedWalWarnBytes && !this.warnedRetained) {
        this.warnedRetained = true;
        this.logger?.warn(
          { slot: this.config.slot, retainedBytes: status.retainedBytes },
          `postgres source: slot ${this.config.slot} retains ${status.retainedBytes} bytes of WAL (more than ${this.config.retainedWalWarnBytes}); the server keeps it until every sink has the changes — a stalled sink fills the source's disk`,
        );
      } else if (status.retainedBytes <= this.config.retainedWalWarnBytes) {
        this.warnedRetained = false;
      }
    } catch {
      // Measuring is best effort: the replication connection reports real failures.
    } finally {
      if (client !== undefined) await this.release(client);
    }
  }

  private async whilePaused(): Promise<void> {
    while (this.paused && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  private async connect(action: string): Promise<pg.Client> {
    const client = new pg.Client(this.clientConfig);
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw classifyPostgresError(error, `${action}: connecting to ${this.origin}`, this.secrets());
    }
    this.clients.add(client);
    return client;
  }

  private async release(client: pg.Client): Promise<void> {
    this.clients.delete(client);
    await client.end().catch(() => undefined);
  }

  private secrets(): string[] {
    return this.connection.password === undefined ? [] : [this.connection.password];
  }
}

/**
 * A row of `table` with every column (null), its table mark and, `withLine`, the slot of its COPY line:
 * snapshot rows start as a copy of it, so each is one allocation of its final shape instead of growing
 * property by property.
 */
function rowTemplate(table: SourceTable, withLine: boolean): Row {
  const row: Record<string, Cell> = {};
  for (const column of table.columns) row[column.name] = null;
  if (withLine) reserveSourceCopyLine(row);
  return markTable(row, table.name);
}

/** The sink's classification, plus the replication-only case: a slot still held by a walsender that has not noticed its client died. */
/** `rowKey(table.spec, row)`, without the array and join for the usual one- and two-column keys. */
function keyFunction(table: SourceTable): (row: Readonly<Record<string, Cell>>) => string {
  const [first, second] = table.key;
  if (table.key.length === 1) return (row) => String(row[first!] ?? '');
  if (table.key.length === 2) return (row) => `${String(row[first!] ?? '')}\u0001${String(row[second!] ?? '')}`;
  return (row) => rowKey(table.spec, row);
}

function classifySourceError(error: unknown, action: string, secrets: readonly string[]): EngineError {
  const classified = classifyPostgresError(error, action, secrets);
  if (!classified.retryable && postgresErrorKind(error).code === '55006') return new TransientError(classified.message, { cause: error, code: 'postgres_55006' });
  return classified;
}

/**
 * Whether a WAL position a target stored came through this slot: one stored before the slot was created
 * belongs to an earlier slot of the same name, and one stored while the slot was being created cannot exist.
 */
function storedThroughThisSlot(offset: number, origin: SlotOrigin | undefined): boolean {
  if (origin === undefined || origin.state === 'unknown') return true;
  return origin.state === 'created' && offset + 1 >= origin.consistentPoint;
}
