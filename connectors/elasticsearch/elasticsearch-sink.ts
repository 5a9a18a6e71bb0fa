import { readFileSync } from 'node:fs';
import { Client, errors, type ClientOptions } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import {
  ConfigError,
  PermanentError,
  TransientError,
  type DeadLetter,
  type EngineError,
  type Sink,
  type SinkOpenContext,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type WriteContext,
} from '../../engine/index.js';
import { classifyBulkItem, classifyElasticsearchError, type BulkItemResult } from './classify-error.js';
import { describeNodes, elasticsearchSinkConfigSchema, resolveAuth, resolveNodes, type ElasticsearchAuth, type ElasticsearchSinkConfig, type ElasticsearchSinkConfigInput } from './config.js';
import { compareMappings } from './index-mappings.js';
import { ensurePositionsIndex, positionsIndexName, readPositions, storePositions } from './positions-index.js';
import { BulkBodyPool, type BulkBody } from './bulk-body.js';
import { TableTarget, type BulkAction, type BulkOperation } from './table-target.js';

/** Options of {@link ElasticsearchSink} besides its validated config. */
export interface ElasticsearchSinkOptions {
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  /** Where `ELASTICSEARCH_*` credentials are read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Config path named by errors (`sinks.1`); default `sink`. */
  readonly path?: string;
  /**
   * Keep the source's positions beside the data, in `<indexPrefix>cloudpulse_positions` (a change-data
   * pipeline resumes from them): the sink becomes a `TransactionalSink`. Off by default, so a replay or a
   * Kafka pipeline keeps resuming from its own positions.
   */
  readonly storePositions?: boolean;
  /** Name under which positions are stored (default: the topology). */
  readonly pipeline?: string;
}

/** The Elasticsearch major version this client speaks to (a 9.x client cannot write to 8.x). */
export const SUPPORTED_SERVER_MAJOR = 9;

/**
 * A document's last record in a batch, and the record it superseded (sent instead if this one is
 * refused). Encoded only when its bulk request is built, so request bodies are short-lived.
 */
interface PlannedOperation {
  readonly record: StreamRecord<TableRow>;
  readonly target: TableTarget;
  readonly id: string;
  readonly previous: PlannedOperation | undefined;
}

/** A bulk request: its body, and per document the planned record, action and index it was sent with. */
interface Chunk {
  readonly planned: PlannedOperation[];
  readonly actions: BulkAction[];
  readonly indices: string[];
  readonly body: BulkBody;
}

/** How far a round's requests have got: the next operation, and one encoded that did not fit the last request. */
interface RoundCursor {
  next: number;
  held: { readonly planned: PlannedOperation; readonly operation: BulkOperation } | undefined;
}

/**
 * The write in progress: what is still to be acknowledged, and the dead letters found so far. Kept
 * between the runtime's attempts of the same write, so a retry sends only the documents that were
 * throttled or failed on the server, never the ones already acknowledged.
 */
interface PendingWrite {
  readonly batch: readonly StreamRecord<TableRow>[];
  readonly ctx: WriteContext;
  remaining: PlannedOperation[];
  readonly letters: DeadLetter[];
  readonly total: number;
}

/** What one round of bulk requests left to do. */
interface RoundOutcome {
  readonly again: PlannedOperation[];
  /** The first reason a document must be sent again after a backoff, with its error code. */
  retry: { readonly reason: string; readonly code: string } | undefined;
  fatal: EngineError | undefined;
}

interface BulkResponse {
  readonly errors?: boolean;
  readonly items?: readonly Readonly<Record<string, BulkItemResult>>[];
}

/**
 * Writes output tables to Elasticsearch 9.x with bulk requests: idempotent by construction (`_id` = the
 * row's key, DESIGN.md invariant 5), at-least-once with an idempotent result.
 *
 * `write` resolves once every document of the batch is acknowledged or dead-lettered. A batch is cut
 * into bulk requests by `maxBulkDocs`/`maxBulkBytes`, `concurrency` of them in flight; a key written
 * several times in a batch is sent once, in its last version (so requests in flight never race on a
 * document). Per item: 2xx, a 409 (stale external version, or a data stream document already there) and
 * a 404 delete are success; 429 and 5xx items make the write fail with a `TransientError` and the
 * runtime's retry sends **only those items** again, after its backoff; other 4xx items (mapping errors,
 * bad values) are dead-lettered with Elasticsearch's reason, the field and the source position, and the
 * rest of the batch is acknowledged. A closed, read-only or forbidden index stops the pipeline with a
 * `PermanentError` saying so; the sink never loops on its own.
 *
 * `open` waits for cluster health yellow (not `ping()`), checks the server is 9.x, and puts one index
 * template per output table with mappings from the declared column types (`dynamic: strict`); a fixed
 * index is created if missing, a new column added to its mapping, a column of another type fails.
 *
 * With `storePositions` (a change-data migration), the positions of each write are stored in
 * `<indexPrefix>cloudpulse_positions` once all its documents are acknowledged, and read back at start:
 * the source resumes after them. A record carrying a `version` (a Postgres change's WAL position) is
 * written with it as external version, so a change sent again after a crash between the data and its
 * positions is a 409: no document is ever replaced by an older or the same state.
 */
export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';
  private readonly config: ElasticsearchSinkConfig;
  private readonly nodes: string[];
  private readonly auth: ElasticsearchAuth;
  private readonly ca: string | undefined;
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;
  private readonly path: string;
  private readonly targets = new Map<string, TableTarget>();
  /** Tables of the topology this sink is configured not to receive. */
  private readonly skipped = new Set<string>();
  /** Indices written since the last refresh (`flush(true)` makes them searchable). */
  private readonly touched = new Set<string>();
  private readonly bulkQuery: Record<string, string>;
  private client: Client | undefined;
  private pending: PendingWrite | undefined;
  private readonly bodies = new BulkBodyPool();
  /** Where positions are kept, when this sink keeps them. */
  private readonly positionsIndex: string | undefined;
  private readonly defaultPipeline: string | undefined;
  private pipelineName = '';
  private now: () => number = Date.now;
  /** Present only with `storePositions` (see {@link ElasticsearchSinkOptions.storePositions}). */
  readonly storedPositions?: (source: string, partitions?: readonly string[]) => Promise<readonly SourcePosition[]>;

  constructor(config: ElasticsearchSinkConfigInput | ElasticsearchSinkConfig, options: ElasticsearchSinkOptions = {}) {
    this.config = elasticsearchSinkConfigSchema.parse(config);
    this.path = options.path ?? 'sink';
    this.nodes = resolveNodes(this.config.nodes, this.path, options.env);
    this.auth = resolveAuth(this.config, options.env);
    this.logger = options.logger;
    const caFile = this.config.tls?.caFile;
    if (caFile !== undefined) {
      try {
        this.ca = readFileSync(caFile, 'utf8');
      } catch (error) {
        throw new ConfigError(`${this.path}.tls.caFile`, `cannot read ${caFile}: ${(error as Error).message}`);
      }
    }
    if (options.storePositions === true) {
      const index = positionsIndexName(this.config.indexPrefix);
      this.positionsIndex = index;
      // Partitions are not claimed: one writer per pipeline (no fence against an older one still running).
      this.storedPositions = async (source) => {
        try {
          return await readPositions(this.requireOpen(), index, this.pipelineName, source);
        } catch (error) {
          throw classifyElasticsearchError(error, `reading stored positions of ${source} from ${index}`, this.secrets());
        }
      };
    }
    this.defaultPipeline = options.pipeline;
    this.bulkQuery = { filter_path: 'errors,items.*.status,items.*.error', ...(this.config.refresh === false ? {} : { refresh: String(this.config.refresh) }) };
  }

  /** Where this sink writes, without credentials. */
  get target(): string {
    return `elasticsearch ${describeNodes(this.nodes)}`;
  }

  /**
   * The table names the config gives (`tables.<i>`, `tableSettings.<name>`), with their config paths: a
   * caller that knows every topology checks them, since one topology's `open` cannot tell a typo from
   * another topology's table.
   */
  get namedTables(): { readonly path: string; readonly table: string }[] {
    return [
      ...(this.config.tables ?? []).map((table, i) => ({ path: `${this.path}.tables.${i}`, table })),
      ...Object.keys(this.config.tableSettings).map((table) => ({ path: `${this.path}.tableSettings.${table}`, table })),
    ];
  }

  /** The index (or data stream, or monthly index pattern) of each table this sink writes. */
  indexOf(table: string): string | undefined {
    return this.targets.get(table)?.searchTarget;
  }

  async open(ctx: SinkOpenContext): Promise<void> {
    this.targets.clear();
    this.skipped.clear();
    this.pending = undefined;
    this.pipelineName = this.defaultPipeline ?? ctx.topology;
    this.now = () => ctx.clock.now();
    const wanted = this.config.tables === undefined ? undefined : new Set(this.config.tables);
    for (const spec of ctx.tables) {
      if (wanted !== undefined && !wanted.has(spec.name)) this.skipped.add(spec.name);
      else this.targets.set(spec.name, new TableTarget(spec, this.config.tableSettings[spec.name], this.config.indexPrefix, this.path));
    }
    const client = this.connect();
    await this.checkServer(client);
    for (const target of this.targets.values()) await this.prepareIndex(client, target);
    if (this.positionsIndex !== undefined) await this.preparePositions(client, this.positionsIndex);
    this.logger?.info({ target: this.target, indices: [...this.targets.values()].map((t) => t.searchTarget) }, 'elasticsearch sink: ready');
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    const client = this.requireOpen();
    // The runtime retries a failed write with the same batch and context: carry on where it stopped.
    let pending = this.pending;
    if (pending === undefined || pending.batch !== batch || pending.ctx !== ctx) {
      pending = this.plan(batch, ctx);
      this.pending = pending;
    }
    while (pending.remaining.length > 0) {
      const outcome = await this.sendRound(client, pending.remaining, pending.letters);
      if (outcome.fatal !== undefined) {
        this.pending = undefined;
        throw outcome.fatal;
      }
      pending.remaining = outcome.again;
      if (outcome.retry !== undefined) {
        throw new TransientError(
          `elasticsearch: ${pending.remaining.length} of ${pending.total} documents not acknowledged, retrying only those: ${outcome.retry.reason}`,
          { code: outcome.retry.code },
        );
      }
      // Left over without a retry: earlier versions of refused documents, sent straight away.
    }
    // Only now, every document acknowledged: a stored position never runs ahead of the data. A failure
    // here keeps the (empty) pending write, so the runtime's retry stores the positions and nothing else.
    if (this.positionsIndex !== undefined) {
      try {
        await storePositions(client, this.positionsIndex, this.pipelineName, ctx.positions, this.now());
      } catch (error) {
        throw classifyElasticsearchError(error, `storing positions in ${this.positionsIndex}`, this.secrets());
      }
    }
    this.pending = undefined;
    for (const letter of pending.letters) ctx.deadLetter(letter);
  }

  /**
   * The table gained columns (see `Sink.evolve`): they are added to its index template (future monthly
   * indices, a data stream's next backing index) and to the mapping of its existing indices, typed as at
   * `open`; from now on documents carry them. A column of another type than the index has fails with a
   * `PermanentError`, as at `open`.
   */
  async evolve(spec: TableSpec): Promise<void> {
    const client = this.requireOpen();
    if (this.skipped.has(spec.name)) return;
    if (!this.targets.has(spec.name)) throw new PermanentError(`elasticsearch sink: evolve(${JSON.stringify(spec.name)}), a table the topology does not declare`, { code: 'elasticsearch_undeclared_table' });
    const target = new TableTarget(spec, this.config.tableSettings[spec.name], this.config.indexPrefix, this.path);
    await this.prepareIndex(client, target);
    this.targets.set(spec.name, target);
    this.logger?.info({ index: target.searchTarget, columns: spec.columns.map((c) => c.name) }, 'elasticsearch sink: table evolved');
  }

  /**
   * Each write is acknowledged by Elasticsearch (translog synced) before it resolves: nothing is
   * pending. At the end of input the written indices are refreshed, so a replay's result is searchable
   * at once; a failed refresh only delays visibility and is logged, not thrown.
   */
  async flush(endOfInput: boolean): Promise<void> {
    if (!endOfInput || this.client === undefined || this.touched.size === 0) return;
    const indices = [...this.touched];
    this.touched.clear();
    try {
      await this.client.indices.refresh({ index: indices, ignore_unavailable: true, allow_no_indices: true });
    } catch (error) {
      this.logger?.warn({ indices, error: classifyElasticsearchError(error, 'refreshing', this.secrets()).message }, 'elasticsearch sink: refresh failed');
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.pending = undefined;
    this.bodies.clear();
    await client?.close().catch(() => undefined);
  }

  private requireOpen(): Client {
    if (this.client === undefined) throw new PermanentError('elasticsearch sink used before open() or after close()', { code: 'elasticsearch_not_open' });
    return this.client;
  }

  private connect(): Client {
    if (this.client !== undefined) return this.client;
    const options: ClientOptions = {
      nodes: this.nodes,
      // The runtime owns retries (engine/retry.ts): the client must not resend on its own.
      maxRetries: 0,
      requestTimeout: this.config.requestTimeoutMs,
      compression: this.config.compression,
      name: 'cloudpulse',
      ...(this.auth === undefined ? {} : { auth: this.auth }),
      ...(this.config.tls === undefined ? {} : { tls: { rejectUnauthorized: this.config.tls.rejectUnauthorized, ...(this.ca === undefined ? {} : { ca: this.ca }) } }),
    };
    this.client = new Client(options);
    return this.client;
  }

  /** Readiness through cluster health (this sink never relies on `GET /`), then the server's major version. */
  private async checkServer(client: Client): Promise<void> {
    const timeout = this.config.healthTimeoutMs;
    try {
      const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: `${timeout}ms` }, { requestTimeout: timeout + 5_000 });
      if (health.timed_out || health.status === 'red') {
        throw new TransientError(`elasticsearch: ${this.target}: cluster health is ${health.status} after ${timeout} ms (want yellow or green)`, { code: 'elasticsearch_not_ready' });
      }
      const nodes = await client.transport.request<{ nodes?: Record<string, { version?: string }> }>({ method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } });
      const version = Object.values(nodes.nodes ?? {})[0]?.version;
      if (version !== undefined && Number(version.split('.')[0]) !== SUPPORTED_SERVER_MAJOR) {
        throw new PermanentError(`elasticsearch: ${this.target} runs Elasticsearch ${version}; this sink (client 9.x) supports Elasticsearch ${SUPPORTED_SERVER_MAJOR}.x only`, { code: 'elasticsearch_unsupported_version' });
      }
    } catch (error) {
      throw classifyElasticsearchError(error, `checking ${this.target}`, this.secrets());
    }
  }

  /** The table's index template (always put: it follows the declared columns), and its fixed index. */
  private async prepareIndex(client: Client, target: TableTarget): Promise<void> {
    const settings = {
      ...(this.config.shards === undefined ? {} : { number_of_shards: this.config.shards }),
      ...(this.config.replicas === undefined ? {} : { number_of_replicas: this.config.replicas }),
    };
    try {
      await client.indices.putIndexTemplate({
        name: `cloudpulse.${target.index}`,
        index_patterns: target.indexPatterns,
        priority: this.config.templatePriority,
        ...(target.layout.kind === 'data-stream' ? { data_stream: {} } : {}),
        template: { settings, mappings: target.mappings },
        _meta: { managed_by: 'cloudpulse', table: target.spec.name },
      });
      if (target.layout.kind === 'index') await this.ensureIndex(client, target);
      // Monthly indices and a data stream's backing indices made from an older template gain new columns too.
      else await client.indices.putMapping({ index: target.searchTarget, properties: target.mappings.properties, allow_no_indices: true, ignore_unavailable: true });
    } catch (error) {
      throw classifyElasticsearchError(error, `preparing index ${target.index} for table ${target.spec.name}`, this.secrets());
    }
  }

  private async preparePositions(client: Client, index: string): Promise<void> {
    const clash = [...this.targets.values()].find((t) => t.index === index);
    if (clash !== undefined) throw new ConfigError(`${this.path}.tableSettings.${clash.spec.name}.index`, `${index} holds this sink's stored positions: give table ${clash.spec.name} another index`);
    try {
      if (await ensurePositionsIndex(client, index)) this.logger?.info({ index }, 'elasticsearch sink: created the positions index');
    } catch (error) {
      throw classifyElasticsearchError(error, `preparing the positions index ${index}`, this.secrets());
    }
  }

  private async ensureIndex(client: Client, target: TableTarget): Promise<void> {
    try {
      await client.indices.create({ index: target.index });
      this.logger?.info({ index: target.index }, 'elasticsearch sink: created index');
      return;
    } catch (error) {
      if (!(error instanceof errors.ResponseError && JSON.stringify(error.body).includes('resource_already_exists_exception'))) throw error;
    }
    const response = await client.indices.getMapping({ index: target.index });
    const mapping = Object.values(response)[0]?.mappings;
    const existing = (mapping?.properties ?? {}) as Record<string, { type?: unknown }>;
    const difference = compareMappings(existing, target.mappings.properties);
    if (difference.conflicts.length > 0) {
      const list = difference.conflicts.map((c) => `${c.field} is ${c.existing}, table ${target.spec.name} needs ${c.expected}`).join('; ');
      throw new PermanentError(`elasticsearch: index ${target.index} has an incompatible mapping (${list}): write to another index (tableSettings.${target.spec.name}.index) or reindex`, { code: 'elasticsearch_mapping_mismatch' });
    }
    if (Object.keys(difference.missing).length > 0) {
      await client.indices.putMapping({ index: target.index, properties: difference.missing });
      this.logger?.info({ index: target.index, fields: Object.keys(difference.missing) }, 'elasticsearch sink: added fields');
    }
  }

  /**
   * The operations of a batch: one per document (the last version of a key wins; the versions before it
   * stay chained behind it), records the sink cannot send dead-lettered, other tables' rows skipped.
   */
  private plan(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): PendingWrite {
    const byTable = new Map<TableTarget, Map<string, PlannedOperation>>();
    const letters: DeadLetter[] = [];
    let lastTarget: TableTarget | undefined;
    let documents: Map<string, PlannedOperation> | undefined;
    for (const record of batch) {
      const table = record.value.table;
      const target = lastTarget?.spec.name === table ? lastTarget : this.targets.get(table);
      if (target === undefined) {
        if (this.skipped.has(table)) continue;
        throw new PermanentError(`elasticsearch sink: row for table ${JSON.stringify(table)}, which the topology does not declare`, { code: 'elasticsearch_undeclared_table' });
      }
      if (target !== lastTarget) {
        documents = byTable.get(target);
        if (documents === undefined) byTable.set(target, (documents = new Map()));
        lastTarget = target;
      }
      const id = target.documentId(record);
      if (typeof id !== 'string') {
        letters.push(rejectedLetter(id.record, id.detail, id.field));
        continue;
      }
      documents!.set(id, { record, target, id, previous: documents!.get(id) });
    }
    const remaining: PlannedOperation[] = [];
    for (const table of byTable.values()) for (const planned of table.values()) remaining.push(planned);
    return { batch, ctx, remaining, letters, total: remaining.length };
  }

  /**
   * Sends operations in bulk requests, `concurrency` at a time, and sorts every item's outcome. Each
   * request is encoded just before it goes out (while the others are in flight), straight into a reused
   * body buffer, so no per-document text outlives its encoding.
   */
  private async sendRound(client: Client, operations: readonly PlannedOperation[], letters: DeadLetter[]): Promise<RoundOutcome> {
    const outcome: RoundOutcome = { again: [], retry: undefined, fatal: undefined };
    const cursor: RoundCursor = { next: 0, held: undefined };
    const take = (): Chunk | undefined => {
      if ((cursor.next >= operations.length && cursor.held === undefined) || outcome.fatal !== undefined) return undefined;
      return this.nextChunk(operations, cursor, letters);
    };
    const worker = async (): Promise<void> => {
      // The next request is encoded while this one is in flight.
      for (let chunk = take(); chunk !== undefined; ) {
        if (chunk.planned.length === 0) this.bodies.give(chunk.body);
        const sent = chunk.planned.length > 0 ? this.sendChunk(client, chunk, outcome, letters) : Promise.resolve();
        const following = take();
        await sent;
        if (outcome.fatal !== undefined && following !== undefined) this.bodies.give(following.body);
        chunk = outcome.fatal === undefined ? following : undefined;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.concurrency, Math.ceil(operations.length / this.config.maxBulkDocs)) }, worker));
    return outcome;
  }

  /**
   * Encodes operations from the cursor into the next request until it holds `maxBulkDocs` documents or
   * the next one would take it past `maxBulkBytes` (UTF-8); that one starts the following request (a
   * document larger than the limit goes alone). A record refused by the encoder is dead-lettered, and
   * its key's earlier record in the batch (if any) takes its place.
   */
  private nextChunk(operations: readonly PlannedOperation[], cursor: RoundCursor, letters: DeadLetter[]): Chunk {
    const { maxBulkDocs, maxBulkBytes } = this.config;
    const chunk: Chunk = { planned: [], actions: [], indices: [], body: this.bodies.take() };
    const add = (planned: PlannedOperation, operation: BulkOperation): void => {
      chunk.planned.push(planned);
      chunk.actions.push(operation.action);
      chunk.indices.push(operation.index);
      chunk.body.append(operation.ndjson);
    };
    if (cursor.held !== undefined) {
      add(cursor.held.planned, cursor.held.operation);
      cursor.held = undefined;
    }
    while (cursor.next < operations.length && chunk.planned.length < maxBulkDocs) {
      let planned: PlannedOperation | undefined = operations[cursor.next++];
      for (; planned !== undefined; planned = planned.previous) {
        const encoded = planned.target.encode(planned.record, planned.id);
        if (!('ndjson' in encoded)) {
          letters.push(rejectedLetter(encoded.record, encoded.detail, encoded.field));
          continue;
        }
        // Characters count at most the bytes, and a character is at most 3 bytes: measure only near the limit.
        const used = chunk.body.byteLength;
        const text = encoded.ndjson;
        if (chunk.planned.length > 0 && used + text.length * 3 > maxBulkBytes && used + Buffer.byteLength(text) > maxBulkBytes) {
          cursor.held = { planned, operation: encoded };
          return chunk;
        }
        add(planned, encoded);
        break;
      }
    }
    return chunk;
  }

  private async sendChunk(client: Client, chunk: Chunk, outcome: RoundOutcome, letters: DeadLetter[]): Promise<void> {
    let response: BulkResponse;
    try {
      // A Buffer `bulkBody` goes out as it is: the transport serialises only arrays of actions and documents.
      response = await client.transport.request<BulkResponse>({ method: 'POST', path: '/_bulk', bulkBody: chunk.body.bytes(), querystring: this.bulkQuery });
    } catch (error) {
      const failure = classifyElasticsearchError(error, `bulk request of ${chunk.planned.length} documents to ${this.target}`, this.secrets());
      if (!failure.retryable) {
        outcome.fatal ??= failure;
        return;
      }
      outcome.again.push(...chunk.planned);
      outcome.retry ??= { reason: failure.message, code: failure.code };
      return;
    }
    // Answered: the socket is done with the body.
    this.bodies.give(chunk.body);
    let lastIndex: string | undefined;
    for (const index of chunk.indices) {
      if (index !== lastIndex) this.touched.add(index);
      lastIndex = index;
    }
    if (response.errors === false) return;
    const items = response.items ?? [];
    if (items.length !== chunk.planned.length) {
      outcome.fatal ??= new PermanentError(`elasticsearch: bulk response has ${items.length} items for ${chunk.planned.length} documents`, { code: 'elasticsearch_bad_response' });
      return;
    }
    for (let i = 0; i < chunk.planned.length; i++) {
      const planned = chunk.planned[i]!;
      const index = chunk.indices[i]!;
      const item = Object.values(items[i]!)[0];
      const result = item === undefined ? { kind: 'retry' as const, reason: 'no result for the document' } : classifyBulkItem(chunk.actions[i]!, index, item);
      switch (result.kind) {
        case 'ok':
          break;
        case 'retry':
          outcome.again.push(planned);
          outcome.retry ??= { reason: result.reason, code: `elasticsearch_${item?.status ?? 'item'}` };
          break;
        case 'reject':
          letters.push(rejectedLetter(planned.record, result.detail, result.field));
          // The key's earlier record in this batch is its state now, as if the refused one never came.
          if (planned.previous !== undefined) outcome.again.push(planned.previous);
          break;
        case 'fatal':
          outcome.fatal ??= result.error;
          break;
      }
    }
  }

  private secrets(): string[] {
    const secrets: string[] = [];
    if (this.auth !== undefined) secrets.push('apiKey' in this.auth ? this.auth.apiKey : this.auth.password);
    for (const node of this.nodes) {
      const password = new URL(node).password;
      if (password !== '') secrets.push(password, decodeURIComponent(password));
    }
    return secrets;
  }
}

function rejectedLetter(record: StreamRecord<TableRow>, detail: string, field: string | undefined): DeadLetter {
  return {
    position: record.position,
    reason: 'sink_rejected',
    detail: `elasticsearch (table ${record.value.table}): ${detail}`,
    ...(field === undefined ? {} : { field }),
    raw: JSON.stringify(record.value.row),
  };
}
