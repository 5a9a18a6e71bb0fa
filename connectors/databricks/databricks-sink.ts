import type { Logger } from 'pino';
import {
  PermanentError,
  type Cell,
  type ColumnType,
  type DeadLetter,
  type SinkOpenContext,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type TransactionalSink,
  type WriteContext,
} from '../../engine/index.js';
import { classifyDatabricksError, databricksErrorKind, describeDatabricksError } from './classify-error.js';
import {
  connectionSecrets,
  databricksSinkConfigSchema,
  describeDatabricksConnection,
  resolveDatabricksConnection,
  type DatabricksConnectionSettings,
  type DatabricksSinkConfig,
  type DatabricksSinkConfigInput,
} from './config.js';
import { DatabricksConnection, type ResultRow } from './databricks-connection.js';
import { MergeStatement, splitBySize, type EncodedRow, type KeyRange } from './merge-statement.js';
import { ensurePositionsTable, mergePositionsStatement, POSITIONS_TABLE, readPositions } from './positions-table.js';
import { checkIdentifier, qualifiedName, quoteIdentifier } from './quote-identifier.js';
import { literalEncoder, SparkLiteralError, type LiteralEncoder } from './spark-literal.js';
import { addMissingColumns, checkTableSpec, ensureDeltaTable } from './table-schema.js';
import { VolumeStaging } from './volume-staging.js';

/** Options of {@link DatabricksSink} besides its validated config. */
export interface DatabricksSinkOptions {
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  /** Where `DATABRICKS_*` variables are read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Pipeline name when the config names none (default: the topology's name). */
  readonly defaultPipeline?: string;
}

/** Counters of what the sink sent, for logs and benchmarks. */
export interface DatabricksSinkStatistics {
  /** Statements executed (DDL, data MERGEs, position MERGEs, reads). */
  readonly statements: number;
  /** Data MERGE statements that succeeded. */
  readonly merges: number;
  /** Rows in those MERGEs (after collapsing duplicate keys). */
  readonly mergedRows: number;
  /** `num_affected_rows` summed over those MERGEs: 0 for a replayed batch. */
  readonly affectedRows: number;
}

interface PreparedTable {
  readonly spec: TableSpec;
  readonly target: string;
  readonly merge: MergeStatement;
  readonly encoders: readonly LiteralEncoder[];
  readonly keyEncoders: readonly { readonly index: number; readonly encode: LiteralEncoder }[];
  /** Key columns whose values JavaScript orders as Spark does (numbers, instants, dates): bounds for file skipping. */
  readonly rangeKeys: readonly { readonly name: string; readonly type: ColumnType; readonly encode: LiteralEncoder }[];
  readonly typedNulls: readonly string[];
  readonly overhead: { readonly plain: number; readonly withDeletes: number };
}

/** One table's records of a batch, in batch order. */
interface TableGroup {
  readonly table: PreparedTable;
  readonly records: StreamRecord<TableRow>[];
}

/** A row ready for a MERGE and the record it came from (for its dead letter). */
interface SourceRow extends EncodedRow {
  readonly record: StreamRecord<TableRow>;
}

/**
 * Writes output tables to Delta tables on a Databricks SQL warehouse through `@databricks/sql`.
 *
 * A write is, per table, one `MERGE INTO … USING (SELECT * FROM VALUES …)` on the table's key (split so
 * each statement stays under `maxStatementBytes`), with duplicate keys collapsed first (last one wins,
 * deletes included) and a guard that skips unchanged rows, so a replayed batch changes nothing. After the
 * data statements succeed, the positions the write makes durable are merged into `cloudpulse_positions`:
 * at-least-once delivery with an idempotent result, and a restart resumes after the stored positions.
 *
 * A cell that is not a value of its column's type is dead-lettered before anything is sent. A row the
 * warehouse rejects (a NOT NULL or CHECK constraint, SQLSTATE classes 21/22/23) is isolated by bisecting the
 * failed statement (each MERGE is atomic) and dead-lettered with the warehouse's reason; the rest is written.
 * Other failures are classified (retryable: throttling, a starting warehouse, a lost session or connection,
 * concurrent commits; permanent: syntax, permission, schema) and left to the runtime's retry policy.
 */
export class DatabricksSink implements TransactionalSink {
  readonly name = 'databricks';
  private readonly config: DatabricksSinkConfig;
  private readonly settings: DatabricksConnectionSettings;
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;
  private readonly defaultPipeline: string | undefined;
  private readonly tables = new Map<string, PreparedTable>();
  private readonly positionsTarget: string;
  private readonly staging: VolumeStaging | undefined;
  private connection: DatabricksConnection;
  private pipelineName = '';
  private opened = false;
  private counts = { statements: 0, merges: 0, mergedRows: 0, affectedRows: 0 };

  constructor(config: DatabricksSinkConfigInput | DatabricksSinkConfig, options: DatabricksSinkOptions = {}) {
    this.config = databricksSinkConfigSchema.parse(config);
    this.settings = resolveDatabricksConnection(this.config, options.env);
    this.logger = options.logger;
    this.defaultPipeline = options.defaultPipeline;
    if (this.config.catalog !== undefined) checkIdentifier(this.config.catalog, 'catalog');
    checkIdentifier(this.config.schema, 'schema');
    this.positionsTarget = qualifiedName(this.config.catalog, this.config.schema, POSITIONS_TABLE);
    this.connection = this.newConnection();
    this.staging =
      this.config.stagingMinRows !== undefined && this.config.stagingVolume !== undefined
        ? new VolumeStaging(this.config.stagingVolume, this.config.stagingMinRows, (sql, localPath) => this.run(sql, localPath))
        : undefined;
  }

  /** Where this sink writes, without credentials. */
  get target(): string {
    return `${describeDatabricksConnection(this.settings)} ${this.config.catalog === undefined ? '' : `${this.config.catalog}.`}${this.config.schema}`;
  }

  get statistics(): DatabricksSinkStatistics {
    return { ...this.counts };
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    this.pipelineName = this.config.pipeline ?? this.defaultPipeline ?? ctx.topology;
    this.tables.clear();
    for (const spec of ctx.tables) {
      checkTableSpec(spec);
      this.tables.set(spec.name, prepareTable(qualifiedName(this.config.catalog, this.config.schema, spec.name), spec));
    }
    const run = (sql: string): Promise<ResultRow[]> => this.run(sql);
    try {
      if (this.config.createSchema) {
        const schema = this.config.catalog === undefined ? quoteIdentifier(this.config.schema) : `${quoteIdentifier(this.config.catalog)}.${quoteIdentifier(this.config.schema)}`;
        await run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      }
      await ensurePositionsTable(run, this.positionsTarget);
      for (const table of this.tables.values()) {
        const change = await ensureDeltaTable(run, table.target, table.spec);
        if (change.addedColumns.length > 0) this.logger?.info({ table: table.target, columns: change.addedColumns }, 'databricks sink: added columns');
      }
    } catch (error) {
      throw classifyDatabricksError(error, `preparing ${this.target}`, connectionSecrets(this.settings));
    }
    this.opened = true;
    this.logger?.info({ target: this.target, pipeline: this.pipelineName, tables: [...this.tables.keys()] }, 'databricks sink: ready');
  }

  async storedPositions(source: string): Promise<readonly SourcePosition[]> {
    this.requireOpen();
    try {
      return await readPositions((sql) => this.run(sql), this.positionsTarget, this.pipelineName, source);
    } catch (error) {
      throw classifyDatabricksError(error, `reading stored positions of ${source}`, connectionSecrets(this.settings));
    }
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    this.requireOpen();
    // Dead letters of an attempt count only once the attempt succeeds: a retry must not report them twice.
    const letters: DeadLetter[] = [];
    try {
      for (const group of this.group(batch)) {
        const rows = encodeRows(group, letters);
        if (rows.length === 0) continue;
        if (this.staging !== undefined && this.staging.applies(rows.length)) {
          await this.staging.merge(group.table, rows.map((r) => r.record));
          continue;
        }
        const { table } = group;
        const overhead = rows.some((r) => r.isDelete) ? table.overhead.withDeletes : table.overhead.plain;
        for (const run of splitBySize(rows, this.config.maxStatementBytes, overhead)) await this.mergeIsolating(table, run, letters);
      }
      const positions = mergePositionsStatement(this.positionsTarget, this.pipelineName, ctx.positions);
      if (positions !== undefined) await this.run(positions);
    } catch (error) {
      throw classifyDatabricksError(error, `writing ${batch.length} rows to ${this.target}`, connectionSecrets(this.settings));
    }
    for (const letter of letters) ctx.deadLetter(letter);
  }

  /**
   * The table gained columns (see `Sink.evolve`): adds those the Delta table lacks as nullable columns
   * (the same check and `ALTER TABLE … ADD COLUMNS` as `open`, so columns a previous run already added are
   * left alone), then writes every declared column from the next write on. Rows already in the table keep
   * NULL in the new columns until a write sets them.
   */
  async evolve(spec: TableSpec): Promise<void> {
    this.requireOpen();
    const previous = this.tables.get(spec.name);
    if (previous === undefined) throw new PermanentError(`databricks sink: evolve(${JSON.stringify(spec.name)}), a table the topology does not declare`, { code: 'databricks_undeclared_table' });
    checkTableSpec(spec);
    checkOnlyAdditions(previous.spec, spec);
    const table = prepareTable(previous.target, spec);
    try {
      const change = await addMissingColumns((sql) => this.run(sql), table.target, spec);
      if (change.addedColumns.length > 0) this.logger?.info({ table: table.target, columns: change.addedColumns }, 'databricks sink: added columns');
    } catch (error) {
      throw classifyDatabricksError(error, `adding columns to ${table.target}`, connectionSecrets(this.settings));
    }
    this.tables.set(spec.name, table);
  }

  /** Every write is durable once its statements succeed: nothing is pending here. */
  async flush(_endOfInput: boolean): Promise<void> {}

  async close(): Promise<void> {
    this.opened = false;
    const connection = this.connection;
    this.connection = this.newConnection();
    await connection.reset();
  }

  private newConnection(): DatabricksConnection {
    return new DatabricksConnection(this.settings, { resultFormat: this.config.resultFormat, requestTimeoutMs: this.config.requestTimeoutMs, logger: this.logger });
  }

  private async run(sql: string, stagingAllowedLocalPath?: string): Promise<ResultRow[]> {
    this.counts.statements++;
    return this.connection.query(sql, stagingAllowedLocalPath);
  }

  private requireOpen(): void {
    if (!this.opened) throw new PermanentError('databricks sink used before open() or after close()', { code: 'databricks_not_open' });
  }

  /** Splits a batch by table, keeping batch order; fails on a table the topology did not declare. */
  private group(batch: readonly StreamRecord<TableRow>[]): TableGroup[] {
    const groups = new Map<string, TableGroup>();
    for (const record of batch) {
      let group = groups.get(record.value.table);
      if (group === undefined) {
        const table = this.tables.get(record.value.table);
        if (table === undefined) {
          throw new PermanentError(`databricks sink: row for table ${JSON.stringify(record.value.table)}, which the topology does not declare`, { code: 'databricks_undeclared_table' });
        }
        groups.set(record.value.table, (group = { table, records: [] }));
      }
      group.records.push(record);
    }
    return [...groups.values()];
  }

  /** One MERGE for `rows`; when the warehouse rejects a row's values, halves until each rejected row stands alone. */
  private async mergeIsolating(table: PreparedTable, rows: readonly SourceRow[], letters: DeadLetter[]): Promise<void> {
    try {
      const result = await this.run(table.merge.build(rows, undefined, keyRanges(table, rows)));
      this.counts.merges++;
      this.counts.mergedRows += rows.length;
      this.counts.affectedRows += Number(result[0]?.['num_affected_rows'] ?? 0);
      return;
    } catch (error) {
      if (!databricksErrorKind(error).rowLevel) throw error;
      if (rows.length === 1) {
        letters.push(rejectedLetter(rows[0]!.record, table, error));
        return;
      }
    }
    const middle = rows.length >> 1;
    await this.mergeIsolating(table, rows.slice(0, middle), letters);
    await this.mergeIsolating(table, rows.slice(middle), letters);
  }
}

function prepareTable(target: string, spec: TableSpec): PreparedTable {
  const columns = spec.columns.map((c) => c.name);
  const merge = new MergeStatement(target, columns, spec.key);
  const encoders = spec.columns.map((c) => literalEncoder(c.name, c.type));
  return {
    spec,
    target,
    merge,
    encoders,
    keyEncoders: spec.key.map((k) => ({ index: columns.indexOf(k), encode: encoders[columns.indexOf(k)]! })),
    rangeKeys: spec.columns
      .filter((c) => spec.key.includes(c.name) && c.type !== 'text' && c.type !== 'boolean')
      .map((c) => ({ name: c.name, type: c.type, encode: encoders[columns.indexOf(c.name)]! })),
    typedNulls: encoders.map((encode) => encode(null)),
    overhead: { plain: merge.overheadBytes(false), withDeletes: merge.overheadBytes(true) },
  };
}

/** Fails (`PermanentError`, naming table and column) unless `next` keeps every column of `current` with its type, and its key. */
function checkOnlyAdditions(current: TableSpec, next: TableSpec): void {
  for (const column of current.columns) {
    const now = next.columns.find((c) => c.name === column.name);
    if (now === undefined || now.type !== column.type) {
      const change = now === undefined ? `drops column ${JSON.stringify(column.name)}` : `changes the type of column ${JSON.stringify(column.name)} from ${column.type} to ${now.type}`;
      throw new PermanentError(`databricks sink: the new declaration of ${JSON.stringify(current.name)} ${change}; only added columns can be applied while running`, {
        code: 'databricks_schema_mismatch',
      });
    }
  }
  if (next.key.join('\u0000') !== current.key.join('\u0000')) {
    throw new PermanentError(`databricks sink: the new declaration of ${JSON.stringify(current.name)} changes its key from (${current.key.join(', ')}) to (${next.key.join(', ')})`, {
      code: 'databricks_schema_mismatch',
    });
  }
}

/**
 * The bounds of each orderable key column over `rows` (text keys are left out: JavaScript orders strings by
 * UTF-16 units, Spark by UTF-8 bytes). A column with a value that is not a plain number or date is left out.
 */
function keyRanges(table: PreparedTable, rows: readonly SourceRow[]): KeyRange[] {
  const ranges: KeyRange[] = [];
  for (const key of table.rangeKeys) {
    let min: number | string | undefined;
    let max: number | string | undefined;
    let usable = true;
    for (const { record } of rows) {
      const cell: Cell | undefined = record.value.row[key.name];
      if (cell === null || cell === undefined) continue; // a NULL key matches nothing
      // NaN is outside every range yet equal to itself in Spark: no bounds then.
      if (key.type === 'date' ? typeof cell !== 'string' : typeof cell !== 'number' || Number.isNaN(cell)) {
        usable = false;
        break;
      }
      const value = cell as number | string;
      if (min === undefined || value < min) min = value;
      if (max === undefined || value > max) max = value;
    }
    if (usable && min !== undefined && max !== undefined) ranges.push({ column: key.name, min: key.encode(min), max: key.encode(max) });
  }
  return ranges;
}

/**
 * The final record per key (last wins, in first-seen key order), encoded as literals. A delete carries
 * only its key. A record with a cell its column cannot hold becomes a dead letter here.
 */
function encodeRows(group: TableGroup, letters: DeadLetter[]): SourceRow[] {
  const { table } = group;
  const columns = table.spec.columns;
  const last = new Map<string, { record: StreamRecord<TableRow>; keyLiterals: string[] } | { record: StreamRecord<TableRow>; error: SparkLiteralError }>();
  for (const record of group.records) {
    try {
      const keyLiterals = table.keyEncoders.map((k) => k.encode(record.value.row[columns[k.index]!.name]));
      last.set(keyLiterals.join('\u0000'), { record, keyLiterals });
    } catch (error) {
      if (!(error instanceof SparkLiteralError)) throw error;
      // A key that cannot be encoded identifies no row: the record stands alone.
      last.set(`\u0001${String(record.position.offset)}\u0001${record.position.partition}`, { record, error });
    }
  }
  const rows: SourceRow[] = [];
  for (const entry of last.values()) {
    const { record } = entry;
    if ('error' in entry) {
      letters.push(invalidCellLetter(record, table, entry.error));
      continue;
    }
    const isDelete = record.op === 'delete';
    try {
      const literals = isDelete
        ? table.typedNulls.map((typedNull, i) => entry.keyLiterals[table.keyEncoders.findIndex((k) => k.index === i)] ?? typedNull)
        : table.encoders.map((encode, i) => encode(record.value.row[columns[i]!.name]));
      rows.push({ literals: literals.join(', '), isDelete, record });
    } catch (error) {
      if (!(error instanceof SparkLiteralError)) throw error;
      letters.push(invalidCellLetter(record, table, error));
    }
  }
  return rows;
}

function invalidCellLetter(record: StreamRecord<TableRow>, table: PreparedTable, error: SparkLiteralError): DeadLetter {
  return {
    position: record.position,
    reason: 'sink_rejected',
    detail: `databricks sink cannot write a row of ${JSON.stringify(table.spec.name)}: ${error.message}`,
    field: error.column,
    raw: JSON.stringify(record.value.row),
  };
}

function rejectedLetter(record: StreamRecord<TableRow>, table: PreparedTable, error: unknown): DeadLetter {
  const field = rejectedField(describeDatabricksError(error), table.spec);
  return {
    position: record.position,
    reason: 'sink_rejected',
    detail: `databricks rejected a row of ${JSON.stringify(table.spec.name)}: ${describeDatabricksError(error)}`,
    ...(field === undefined ? {} : { field }),
    raw: JSON.stringify(record.value.row),
  };
}

/** The column a constraint message names: `… for column: id.` (NOT NULL) or `… values: - amount : -2.5` (CHECK). */
function rejectedField(message: string, spec: TableSpec): string | undefined {
  const named = /for column:?\s*`?([^`.\s]+)`?/.exec(message)?.[1] ?? /values:\s*-\s*`?([^`\s:]+)`?\s*:/.exec(message)?.[1];
  return spec.columns.find((c) => c.name.toLowerCase() === named?.toLowerCase())?.name;
}
