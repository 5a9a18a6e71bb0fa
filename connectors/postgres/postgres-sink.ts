import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import {
  PermanentError,
  partitionId,
  rowKey,
  type Cell,
  type DeadLetter,
  type SinkOpenContext,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type TransactionalSink,
  type WriteContext,
} from '../../engine/index.js';
import { classifyPostgresError, describeError, postgresErrorKind } from './classify-error.js';
import { SQL_TYPES } from './column-types.js';
import { describeConnection, postgresSinkConfigSchema, resolveConnection, type PostgresConnection, type PostgresSinkConfig, type PostgresSinkConfigInput } from './config.js';
import { copyEncoder, sourceCopyLines, type CopyEncoder, type CopyTextPage, type SourceCopyLine } from './copy-text.js';
import { ensurePositionsTable, readPositions, storePositions } from './positions-table.js';
import { checkIdentifier, qualifiedName, quoteIdentifier } from './quote-identifier.js';
import { checkTableSpec, ensureTable } from './table-schema.js';
import { checkGeneration, checkPartitionGenerations, claimGeneration, claimPartitions, ensureWritersTable, type PartitionClaim } from './writer-fence.js';

/** Options of {@link PostgresSink} besides its validated config. */
export interface PostgresSinkOptions {
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  /** Where `PG*` variables are read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Pipeline name when the config names none (default: the topology's name). */
  readonly defaultPipeline?: string;
}

type Row = Readonly<Record<string, Cell>>;

/** Everything the sink prepares per output table at open (SQL text is fixed; values only travel as data). */
interface PreparedTable {
  readonly spec: TableSpec;
  readonly columns: readonly string[];
  readonly encoders: readonly CopyEncoder[];
  readonly keyEncoders: readonly CopyEncoder[];
  /** The row's identity in a batch (the engine's `rowKey`, specialised to the key's arity). */
  readonly keyOf: (row: Row) => string;
  readonly createStages: readonly string[];
  readonly dropStages: readonly string[];
  readonly truncateStage: string;
  readonly truncateDeleteStage: string;
  readonly copyUpserts: string;
  /** COPY straight into the target: the fast path while a batch's keys are all new. */
  readonly copyDirect: string;
  readonly direct: DirectCopyState;
  readonly upsert: string;
  readonly copyDeletes: string;
  readonly delete: string;
}

/**
 * When to try COPY straight into the target. After a key conflict the table goes through the staging
 * table for a number of batches that doubles with each further conflict (up to 64), so a table whose
 * rows are mostly updates wastes little on failed attempts, and one of new rows runs at COPY speed.
 */
interface DirectCopyState {
  skip: number;
  backoff: number;
}

const MAX_DIRECT_BACKOFF = 64;

/** One table's records of a batch, in batch order. */
interface TableGroup {
  readonly table: PreparedTable;
  readonly records: StreamRecord<TableRow>[];
  hasDeletes: boolean;
}

/** One table's share of a write: the final record per key (last wins), deletes and upserts apart. */
interface TablePlan {
  readonly table: PreparedTable;
  readonly upserts: StreamRecord<TableRow>[];
  readonly deletes: StreamRecord<TableRow>[];
}

// Some arbitrary constant: serializes the sink's DDL across concurrently starting pipelines.
const DDL_LOCK = 0x436c_6f75_6450;
const COPY_CHUNK_CHARS = 32 * 1024;

/**
 * Writes output tables to PostgreSQL with an exactly-once effect. Each `write` is one transaction:
 * the fence check, the rows (COPY into a temporary table, then `INSERT … ON CONFLICT (key) DO
 * UPDATE`; deletes by key), and the source positions in `cloudpulse_positions`. Either all of it
 * commits or none, so `storedPositions` always matches the data and a restart resumes right after it.
 *
 * A row the server rejects for its value (SQLSTATE classes 22 and 23) is isolated by bisecting the
 * batch under savepoints and dead-lettered with the server's reason; the rest of the batch commits.
 * Other failures are classified (`TransientError` for lost connections, deadlocks, serialization
 * failures, too many connections; `PermanentError` otherwise) and left to the runtime's retry policy:
 * the sink never loops. A lost connection is replaced on the next attempt.
 *
 * `open` creates missing tables, adds new columns as nullable, fails on an incompatible table, and
 * claims a new writer generation: an older writer of the same pipeline is fenced (its next write fails
 * permanently without committing).
 *
 * A source whose partitions a consumer group assigns (Kafka) calls `storedPositions(source, partitions)` on
 * each assignment: the sink claims those partitions (`cloudpulse_partition_writers`, a generation per
 * pipeline and source partition) and from then on fences per partition instead of per pipeline, so
 * several processes of one pipeline write side by side. Each transaction checks the generations of the
 * claimed sources' partitions it writes rows or positions of: one that another writer claimed since
 * fails the write with a `FencedError`, committing nothing; writes of other partitions go on.
 */
export class PostgresSink implements TransactionalSink {
  readonly name = 'postgres';
  private readonly config: PostgresSinkConfig;
  private readonly connection: PostgresConnection;
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;
  private readonly defaultPipeline: string | undefined;
  private readonly tables = new Map<string, PreparedTable>();
  private client: pg.Client | undefined;
  private pipelineName = '';
  private generation = 0;
  /** Partitions claimed by this writer (by `partitionId`), and the sources they belong to. */
  private readonly claims = new Map<string, PartitionClaim>();
  private readonly claimedSources = new Set<string>();
  private turn: Promise<void> = Promise.resolve();
  private opened = false;

  constructor(config: PostgresSinkConfigInput | PostgresSinkConfig, options: PostgresSinkOptions = {}) {
    this.config = postgresSinkConfigSchema.parse(config);
    this.connection = resolveConnection(this.config, options.env);
    this.logger = options.logger;
    this.defaultPipeline = options.defaultPipeline;
    checkIdentifier(this.config.schema, 'schema');
  }

  /** Where this sink writes, without the password. */
  get target(): string {
    return `${describeConnection(this.connection)} schema ${this.config.schema}`;
  }

  /** The writer generation claimed at open (0 before). */
  get writerGeneration(): number {
    return this.generation;
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    this.pipelineName = this.config.pipeline ?? this.defaultPipeline ?? ctx.topology;
    this.tables.clear();
    this.claims.clear();
    this.claimedSources.clear();
    for (const spec of ctx.tables) {
      checkTableSpec(spec);
      this.tables.set(spec.name, prepareTable(this.config.schema, spec, this.tables.size));
    }
    const client = await this.connect(false);
    const { schema } = this.config;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
      const hasSchema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (hasSchema.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema, 'schema')}`);
      await ensurePositionsTable(client, schema);
      await ensureWritersTable(client, schema);
      for (const { spec } of this.tables.values()) {
        const change = await ensureTable(client, schema, spec);
        if (change.created) this.logger?.info({ table: `${schema}.${spec.name}` }, 'postgres sink: created table');
        if (change.addedColumns.length > 0) this.logger?.info({ table: `${schema}.${spec.name}`, columns: change.addedColumns }, 'postgres sink: added nullable columns');
      }
      this.generation = await claimGeneration(client, schema, this.pipelineName);
      await client.query('COMMIT');
      await this.createStages(client);
    } catch (error) {
      await this.abandon(client, error);
      throw classifyPostgresError(error, `preparing ${this.target}`, this.secrets());
    }
    this.opened = true;
    this.logger?.info({ target: this.target, pipeline: this.pipelineName, generation: this.generation, tables: [...this.tables.keys()] }, 'postgres sink: ready');
  }

  /** With `partitions` (just assigned to the source), claims them first: see the class comment. */
  async storedPositions(source: string, partitions?: readonly string[]): Promise<readonly SourcePosition[]> {
    this.requireOpen();
    return this.oneAtATime(() => this.claimAndRead(source, partitions));
  }

  private async claimAndRead(source: string, partitions: readonly string[] | undefined): Promise<readonly SourcePosition[]> {
    const client = await this.connect(true);
    try {
      if (partitions !== undefined && partitions.length > 0) {
        await client.query('BEGIN');
        const claimed = await claimPartitions(client, this.config.schema, this.pipelineName, source, partitions);
        await client.query('COMMIT');
        for (const claim of claimed) this.claims.set(partitionId(claim), claim);
        this.claimedSources.add(source);
        this.logger?.info({ pipeline: this.pipelineName, source, generations: Object.fromEntries(claimed.map((c) => [c.partition, c.generation])) }, 'postgres sink: claimed partitions');
      }
      return await readPositions(client, this.config.schema, this.pipelineName, source);
    } catch (error) {
      await this.abandon(client, error);
      throw classifyPostgresError(error, `reading stored positions of ${source}`, this.secrets());
    }
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    this.requireOpen();
    return this.oneAtATime(() => this.writeBatch(batch, ctx));
  }

  /**
   * Claims and writes share the connection: an assignment arriving during a write must not run its
   * claim inside the write's transaction, so they take turns.
   */
  private oneAtATime<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.turn.then(operation);
    this.turn = result.then(() => undefined, () => undefined);
    return result;
  }

  private async writeBatch(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    const groups = this.group(batch);
    const client = await this.connect(true);
    // Dead letters of an attempt count only once it commits: a retried attempt must not report them twice.
    const letters: DeadLetter[] = [];
    try {
      await this.begin(client, batch, ctx.positions);
      try {
        for (const group of groups) {
          if (!group.hasDeletes && (await this.tryDirectCopy(client, group))) continue;
          await this.apply(client, plan(group), false);
        }
      } catch (error) {
        if (!isIsolatable(error)) throw error;
        await client.query('ROLLBACK');
        await this.begin(client, batch, ctx.positions);
        await this.applyIsolating(client, batch, letters);
      }
      await storePositions(client, this.config.schema, this.pipelineName, ctx.positions);
      await client.query('COMMIT');
    } catch (error) {
      await this.abandon(client, error);
      throw classifyPostgresError(error, `writing ${batch.length} rows to ${this.target}`, this.secrets());
    }
    for (const letter of letters) ctx.deadLetter(letter);
  }

  /**
   * The table gained columns (see `Sink.evolve`): adds them to the database table as nullable columns,
   * as `open` would, and writes them from now on (the connection's staging tables are made again).
   */
  async evolve(spec: TableSpec): Promise<void> {
    this.requireOpen();
    const index = [...this.tables.keys()].indexOf(spec.name);
    if (index < 0) throw new PermanentError(`postgres sink: evolve(${JSON.stringify(spec.name)}), a table the topology does not declare`, { code: 'postgres_undeclared_table' });
    checkTableSpec(spec);
    const table = prepareTable(this.config.schema, spec, index);
    const client = await this.connect(true);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
      const change = await ensureTable(client, this.config.schema, spec);
      for (const sql of table.dropStages) await client.query(sql);
      for (const sql of table.createStages) await client.query(sql);
      await client.query('COMMIT');
      if (change.addedColumns.length > 0) this.logger?.info({ table: `${this.config.schema}.${spec.name}`, columns: change.addedColumns }, 'postgres sink: added nullable columns');
    } catch (error) {
      await this.abandon(client, error);
      throw classifyPostgresError(error, `adding columns to ${this.target} table ${spec.name}`, this.secrets());
    }
    this.tables.set(spec.name, table);
  }

  /** Every write commits its own transaction: nothing is pending here. */
  async flush(_endOfInput: boolean): Promise<void> {}

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.opened = false;
    await client?.end().catch(() => undefined);
  }

  private requireOpen(): void {
    if (!this.opened) throw new PermanentError('postgres sink used before open() or after close()', { code: 'postgres_not_open' });
  }

  private async begin(client: pg.Client, batch: readonly StreamRecord<TableRow>[], positions: readonly SourcePosition[]): Promise<void> {
    await client.query('BEGIN');
    if (this.claimedSources.size === 0) await checkGeneration(client, this.config.schema, this.pipelineName, this.generation);
    else await checkPartitionGenerations(client, this.config.schema, this.pipelineName, this.touchedClaims(batch, positions));
  }

  /**
   * The claimed sources' partitions a write touches (its positions, and the positions its rows came from),
   * each with this writer's generation; a partition it never claimed gets generation 0, which never matches.
   */
  private touchedClaims(batch: readonly StreamRecord<TableRow>[], positions: readonly SourcePosition[]): PartitionClaim[] {
    const touched = new Map<string, PartitionClaim>();
    let last: SourcePosition | undefined;
    const touch = (position: SourcePosition): void => {
      // Rows come in runs of one partition: look each run up once.
      if (last !== undefined && last.source === position.source && last.partition === position.partition) return;
      last = position;
      if (!this.claimedSources.has(position.source)) return;
      const id = partitionId(position);
      if (!touched.has(id)) touched.set(id, this.claims.get(id) ?? { source: position.source, partition: position.partition, generation: 0 });
    };
    for (const position of positions) touch(position);
    for (const record of batch) touch(record.position);
    return [...touched.values()];
  }

  /** Splits a batch by table, keeping batch order; fails on a table the topology did not declare. */
  private group(batch: readonly StreamRecord<TableRow>[]): TableGroup[] {
    const groups = new Map<string, TableGroup>();
    for (const record of batch) {
      let group = groups.get(record.value.table);
      if (group === undefined) groups.set(record.value.table, (group = { table: this.tableOf(record), records: [], hasDeletes: false }));
      group.records.push(record);
      if (record.op === 'delete') group.hasDeletes = true;
    }
    return [...groups.values()];
  }

  private tableOf(record: StreamRecord<TableRow>): PreparedTable {
    const table = this.tables.get(record.value.table);
    if (table === undefined) {
      throw new PermanentError(`postgres sink: row for table ${JSON.stringify(record.value.table)}, which the topology does not declare`, { code: 'postgres_undeclared_table' });
    }
    return table;
  }

  /** Deletes by key, then upserts through the staging table (`reuseStages`: empty it first, within a transaction). */
  private async apply(client: pg.Client, plan: TablePlan, reuseStages: boolean): Promise<void> {
    const { table } = plan;
    if (plan.deletes.length > 0) {
      if (reuseStages) await client.query(table.truncateDeleteStage);
      await copyRows(client, table.copyDeletes, plan.deletes, table.spec.key, table.keyEncoders);
      await client.query(table.delete);
    }
    if (plan.upserts.length === 0) return;
    if (reuseStages) await client.query(table.truncateStage);
    await copyRows(client, table.copyUpserts, plan.upserts, table.columns, table.encoders);
    await client.query(table.upsert);
  }

  /**
   * COPY into the target itself, under a savepoint: as fast as a plain bulk load when every key of the
   * batch is new and appears once. A key that exists or repeats (unique violation) or a rejected value
   * rolls back to the savepoint and the caller takes the staging path, which keeps the last record per
   * key, upserts, and isolates rejected rows.
   */
  private async tryDirectCopy(client: pg.Client, group: TableGroup): Promise<boolean> {
    const { table } = group;
    if (table.direct.skip > 0) {
      table.direct.skip--;
      return false;
    }
    await client.query('SAVEPOINT cloudpulse_direct');
    try {
      await copyRows(client, table.copyDirect, group.records, table.columns, table.encoders);
      await client.query('RELEASE SAVEPOINT cloudpulse_direct');
      table.direct.backoff = 0;
      return true;
    } catch (error) {
      if (!isIsolatable(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT cloudpulse_direct');
      await client.query('RELEASE SAVEPOINT cloudpulse_direct');
      table.direct.backoff = Math.min(MAX_DIRECT_BACKOFF, Math.max(1, table.direct.backoff * 2));
      table.direct.skip = table.direct.backoff;
      return false;
    }
  }

  /**
   * The batch again, in order, as runs of records with distinct keys (so applying a run at once equals
   * applying its records one by one); each run is bisected under savepoints until every rejected
   * record stands alone and is dead-lettered.
   */
  private async applyIsolating(client: pg.Client, batch: readonly StreamRecord<TableRow>[], letters: DeadLetter[]): Promise<void> {
    let run: StreamRecord<TableRow>[] = [];
    const keys = new Set<string>();
    for (const record of batch) {
      const table = this.tableOf(record);
      const id = `${table.spec.name}\u0002${table.keyOf(record.value.row)}`;
      if (keys.has(id)) {
        await this.bisect(client, run, letters);
        run = [];
        keys.clear();
      }
      run.push(record);
      keys.add(id);
    }
    if (run.length > 0) await this.bisect(client, run, letters);
  }

  private async bisect(client: pg.Client, records: readonly StreamRecord<TableRow>[], letters: DeadLetter[]): Promise<void> {
    await client.query('SAVEPOINT cloudpulse_rows');
    try {
      for (const group of this.group(records)) await this.apply(client, plan(group), true);
      await client.query('RELEASE SAVEPOINT cloudpulse_rows');
      return;
    } catch (error) {
      if (!isIsolatable(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT cloudpulse_rows');
      await client.query('RELEASE SAVEPOINT cloudpulse_rows');
      if (records.length === 1) {
        letters.push(rejectedLetter(records[0]!, error));
        return;
      }
    }
    const middle = records.length >> 1;
    await this.bisect(client, records.slice(0, middle), letters);
    await this.bisect(client, records.slice(middle), letters);
  }

  /** The open connection, or a new one (with its temporary staging tables) after a loss. */
  private async connect(withStages: boolean): Promise<pg.Client> {
    if (this.client !== undefined) return this.client;
    const { host, port, user, password, database } = this.connection;
    const client = new pg.Client({
      host,
      port,
      user,
      database,
      ...(password === undefined ? {} : { password }),
      application_name: `${this.config.applicationName}:${this.pipelineName}`.slice(0, 63),
      connectionTimeoutMillis: this.config.connectTimeoutMs,
      keepAlive: true,
    });
    const lost = (): void => {
      if (this.client === client) this.client = undefined;
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      if (withStages) await this.createStages(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw classifyPostgresError(error, `connecting to ${describeConnection(this.connection)}`, this.secrets());
    }
    this.client = client;
    return client;
  }

  private async createStages(client: pg.Client): Promise<void> {
    for (const table of this.tables.values()) for (const sql of table.createStages) await client.query(sql);
  }

  /** After a failure: roll back, or forget the connection when it is lost or cannot roll back. */
  private async abandon(client: pg.Client, error: unknown): Promise<void> {
    if (!postgresErrorKind(error).connectionLost) {
      try {
        await client.query('ROLLBACK');
        return;
      } catch {
        // fall through: a connection that cannot roll back is not reused
      }
    }
    if (this.client === client) this.client = undefined;
    await client.end().catch(() => undefined);
  }

  private secrets(): string[] {
    return this.connection.password === undefined ? [] : [this.connection.password];
  }
}

/** Keeps the last record per key (in first-seen key order) and separates deletes from upserts. */
function plan(group: TableGroup): TablePlan {
  const last = new Map<string, StreamRecord<TableRow>>();
  for (const record of group.records) last.set(group.table.keyOf(record.value.row), record);
  const result: TablePlan = { table: group.table, upserts: [], deletes: [] };
  for (const record of last.values()) (record.op === 'delete' ? result.deletes : result.upserts).push(record);
  return result;
}

/** A rejected value (class 22/23), or two rows of one key that only the server sees as equal (21000). */
function isIsolatable(error: unknown): boolean {
  const kind = postgresErrorKind(error);
  return kind.rowLevel || kind.code === '21000';
}

function rejectedLetter(record: StreamRecord<TableRow>, error: unknown): DeadLetter {
  const field = errorField(error);
  return {
    position: record.position,
    reason: 'sink_rejected',
    detail: `postgres rejected a row of ${JSON.stringify(record.value.table)}: ${describeError(error)}`,
    ...(field === undefined ? {} : { field }),
    raw: JSON.stringify(record.value.row),
  };
}

function errorField(error: unknown): string | undefined {
  const fields = error as { column?: unknown; where?: unknown };
  if (typeof fields.column === 'string' && fields.column !== '') return fields.column;
  // COPY names the column in its context line: `COPY cloudpulse_stage_0, line 1, column price: "abc"`.
  const match = typeof fields.where === 'string' ? /, column (.+?)(?:: "|$)/.exec(fields.where) : null;
  return match?.[1];
}

function prepareTable(schema: string, spec: TableSpec, index: number): PreparedTable {
  const stage = `pg_temp.cloudpulse_stage_${index}`;
  const deleteStage = `pg_temp.cloudpulse_delete_${index}`;
  const target = qualifiedName(schema, spec.name);
  const quote = (name: string): string => quoteIdentifier(name);
  const columns = spec.columns.map((c) => c.name);
  const typeOf = new Map(spec.columns.map((c) => [c.name, c.type]));
  const columnList = columns.map(quote).join(', ');
  const keyList = spec.key.map(quote).join(', ');
  const nonKey = columns.filter((c) => !spec.key.includes(c));
  const onConflict = nonKey.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${nonKey.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`;
  const stageColumns = (names: readonly string[]): string => names.map((c) => `${quote(c)} ${SQL_TYPES[typeOf.get(c)!]}`).join(', ');
  return {
    spec,
    columns,
    encoders: spec.columns.map((c) => copyEncoder(c.type)),
    keyEncoders: spec.key.map((k) => copyEncoder(typeOf.get(k)!)),
    keyOf: keyFunction(spec),
    createStages: [
      // Temporary: no WAL, private to the connection, emptied at every commit.
      `CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} (${stageColumns(columns)}) ON COMMIT DELETE ROWS`,
      `CREATE TEMPORARY TABLE IF NOT EXISTS ${deleteStage} (${stageColumns(spec.key)}) ON COMMIT DELETE ROWS`,
    ],
    dropStages: [`DROP TABLE IF EXISTS ${stage}`, `DROP TABLE IF EXISTS ${deleteStage}`],
    truncateStage: `TRUNCATE ${stage}`,
    truncateDeleteStage: `TRUNCATE ${deleteStage}`,
    copyUpserts: `COPY ${stage} (${columnList}) FROM STDIN`,
    copyDirect: `COPY ${target} (${columnList}) FROM STDIN`,
    direct: { skip: 0, backoff: 0 },
    upsert: `INSERT INTO ${target} (${columnList}) SELECT ${columnList} FROM ${stage} ON CONFLICT (${keyList}) ${onConflict}`,
    copyDeletes: `COPY ${deleteStage} (${keyList}) FROM STDIN`,
    delete: `DELETE FROM ${target} AS t USING ${deleteStage} AS d WHERE ${spec.key.map((k) => `t.${quote(k)} = d.${quote(k)}`).join(' AND ')}`,
  };
}

function keyFunction(spec: TableSpec): (row: Row) => string {
  const [first, second] = spec.key;
  if (spec.key.length === 1) return (row) => String(row[first!] ?? '');
  if (spec.key.length === 2) return (row) => `${String(row[first!] ?? '')}\u0001${String(row[second!] ?? '')}`;
  return (row) => rowKey(spec, row);
}

/** Streams records into a `COPY … FROM STDIN` (text format), in chunks of about 256 KiB. */
async function copyRows(client: pg.Client, sql: string, records: readonly StreamRecord<TableRow>[], columns: readonly string[], encoders: readonly CopyEncoder[]): Promise<void> {
  await pipeline(Readable.from(copyChunks(records, columns, encoders)), client.query(copyFrom(sql)));
}

function* copyChunks(records: readonly StreamRecord<TableRow>[], columns: readonly string[], encoders: readonly CopyEncoder[]): Generator<string | Buffer> {
  // Small chunks: a long string built of many pieces lives long enough to be promoted, and garbage
  // collection then costs more than the encoding (measured: 32 KiB beats 256 KiB and direct Buffer writes).
  let chunk = '';
  const last = columns.length - 1;
  // Rows a PostgreSQL source read carry their COPY lines: consecutive lines of one page go as one slice of it.
  const lineOf = sourceCopyLines(columns);
  let run: SourceCopyLine | undefined;
  let runEnd = 0;
  // Indexed: a for-of in a generator allocates an iterator result per record.
  for (let r = 0; r < records.length; r++) {
    const row: Row = records[r]!.value.row;
    const line = lineOf(row);
    if (line !== undefined && run !== undefined && line.page === run.page && line.start === runEnd) {
      runEnd = line.end;
      continue;
    }
    if (run !== undefined) {
      if (chunk.length > 0) yield chunk;
      chunk = '';
      yield lineRun(run.page, run.start, runEnd);
      run = undefined;
    }
    if (line !== undefined) {
      run = line;
      runEnd = line.end;
      continue;
    }
    for (let i = 0; i < last; i++) chunk += `${encoders[i]!(row[columns[i]!])}\t`;
    chunk += `${encoders[last]!(row[columns[last]!])}\n`;
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
  if (run !== undefined) yield lineRun(run.page, run.start, runEnd);
}

/** Lines `start`–`end` of a page as they arrived: its bytes when it has them, else its text. */
function lineRun(page: CopyTextPage, start: number, end: number): string | Buffer {
  return page.bytes === undefined ? page.text.slice(start, end) : page.bytes.subarray(start, end);
}
