import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SparkSqlClient, SparkSqlError, type SparkParameter, type SparkResult } from '../services/index.js';
import { int64FromText, tcliService, tcliTypes, thriftRuntime } from './driver-protocol.js';
import { arrowResult, type ArrowNativeTypes, type ArrowResult } from './result-arrow.js';
import { columnBasedColumns, tableSchema } from './result-columns.js';
import { selfSignedCertificate } from './warehouse-certificate.js';

/** Where the test warehouse listens and how a client authenticates. */
export interface TestWarehouseAddress {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly token: string;
}

/** Options of {@link TestWarehouse.start}. */
export interface TestWarehouseOptions {
  /** The Spark SQL + Delta worker (the `spark` service settings). */
  readonly spark: { readonly host: string; readonly port: number };
  readonly path?: string;
  readonly token?: string;
  /** How long ExecuteStatement waits for the statement before answering "running" (direct results otherwise). */
  readonly directResultsWaitMs?: number;
}

interface Session {
  readonly id: string;
}

interface Operation {
  readonly id: string;
  readonly sessionId: string;
  readonly statement: string;
  readonly arrow: ArrowNativeTypes | undefined;
  readonly done: Promise<void>;
  state: 'running' | 'finished' | 'failed';
  result?: SparkResult;
  error?: { readonly message: string; readonly sqlState: string; readonly errorClass: string | undefined };
  encoder?: ArrowResult;
  cursor: number;
}

type Request = Record<string, unknown> & {
  sessionHandle?: { sessionId?: { guid?: Buffer } };
  operationHandle?: { operationId?: { guid?: Buffer } };
};

const S = tcliTypes.TStatusCode;
const O = tcliTypes.TOperationState;
const ok = { statusCode: S['SUCCESS_STATUS'] };
const SUPPORTED_PROTOCOL = tcliTypes.TProtocolVersion['SPARK_CLI_SERVICE_PROTOCOL_V8']!;
const MAX_RESULT_ROWS = 5_000_000;

/**
 * A Databricks SQL warehouse stand-in for tests: an HTTPS server (self-signed certificate) that the
 * unmodified `@databricks/sql` driver connects to. It serves the TCLIService Thrift definitions shipped in the
 * driver package (binary protocol, buffered transport, HTTP POST to the warehouse path, bearer token
 * checked) and runs every statement, unchanged, on the Spark SQL + Delta Lake worker: no dialect
 * translation. Results come back as the client asks: Arrow by default, column-based otherwise. Failed
 * statements carry Spark's error class (in the message, `[CLASS] …`) and SQLSTATE.
 *
 * What it is not: no Unity Catalog, volumes, `PUT`/`COPY INTO` from volumes, cloud fetch, LZ4, query
 * history, metadata calls (GetTables…), or per-session state (one Spark session serves all clients, so
 * `USE`/`SET` leak between sessions). It runs on one Spark worker, one statement at a time.
 */
export class TestWarehouse {
  readonly statements: string[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly operations = new Map<string, Operation>();
  private readonly sockets = new Set<Socket>();
  private readonly inFlight = new Set<ServerResponse>();
  private readonly statementListeners = new Set<(statement: string) => void>();
  private port = 0;
  private droppedRequests = 0;

  private constructor(
    private server: Server,
    private readonly tls: { key: Buffer; cert: Buffer },
    private readonly spark: SparkSqlClient,
    private readonly path: string,
    private readonly token: string,
    private readonly directResultsWaitMs: number,
  ) {}

  /** Generates a certificate, connects to the Spark worker and listens on a free port of 127.0.0.1. */
  static async start(options: TestWarehouseOptions): Promise<TestWarehouse> {
    const tls = await selfSignedCertificate();
    const spark = await SparkSqlClient.connect(options.spark);
    const path = options.path ?? `/sql/1.0/warehouses/${randomBytes(8).toString('hex')}`;
    const token = options.token ?? `dapi${randomBytes(16).toString('hex')}`;
    const warehouse = new TestWarehouse(createServer(tls), tls, spark, path, token, options.directResultsWaitMs ?? 1_000);
    await warehouse.listen(0);
    return warehouse;
  }

  get address(): TestWarehouseAddress {
    return { host: '127.0.0.1', port: this.port, path: this.path, token: this.token };
  }

  /** Requests that were in progress when the warehouse went away ({@link goAway}). */
  get interruptedRequests(): number {
    return this.droppedRequests;
  }

  /** Resolves with the next statement matching `pattern` once it starts running. */
  nextStatement(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.statementListeners.delete(listener);
        reject(new Error(`no statement matching ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (statement: string): void => {
        if (!pattern.test(statement)) return;
        clearTimeout(timer);
        this.statementListeners.delete(listener);
        resolve(statement);
      };
      this.statementListeners.add(listener);
    });
  }

  /**
   * What a warehouse restart does to its clients: stops listening, drops every connection (requests in
   * progress get no answer) and forgets all sessions. Statements already running on Spark finish there.
   */
  async goAway(): Promise<void> {
    this.droppedRequests += this.inFlight.size;
    for (const response of this.inFlight) response.destroy();
    this.inFlight.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
    this.sessions.clear();
    this.operations.clear();
  }

  /** Listens again on the same port after {@link goAway}. */
  async comeBack(): Promise<void> {
    this.server = createServer(this.tls);
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.goAway();
    this.spark.close();
  }

  private listen(port: number): Promise<void> {
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('request', (request: IncomingMessage, response: ServerResponse) => this.onRequest(request, response));
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address !== null && typeof address === 'object') this.port = address.port;
        resolve();
      });
    });
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    if (request.method !== 'POST' || url.pathname !== this.path) {
      response.writeHead(404).end();
      return;
    }
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('invalid access token');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.inFlight.add(response);
      response.on('close', () => this.inFlight.delete(response));
      const { TBufferedTransport, TBinaryProtocol } = thriftRuntime;
      const processor = new tcliService.Processor(this.handler());
      TBufferedTransport.receiver((transport) => {
        const input = new TBinaryProtocol(transport);
        const output = new TBinaryProtocol(
          new TBufferedTransport(undefined, (message) => {
            if (response.destroyed) return;
            response.writeHead(200, { 'content-type': 'application/x-thrift' }).end(message);
          }),
        );
        processor.process(input, output);
        transport.commitPosition();
      })(Buffer.concat(chunks));
    });
  }

  /** The TCLIService handler: one method per call, each returning (a promise of) the response struct. */
  private handler(): object {
    const unsupported = (name: string) => async () => ({ status: error(`${name} is not supported by the test warehouse`) });
    return {
      OpenSession: async (req: Request) => this.openSession(req),
      CloseSession: async (req: Request) => {
        const id = guidOf(req.sessionHandle?.sessionId);
        this.sessions.delete(id);
        for (const [key, op] of this.operations) if (op.sessionId === id) this.operations.delete(key);
        return { status: ok };
      },
      GetInfo: async () => ({ status: ok, infoValue: { stringValue: 'CloudPulse test warehouse (Spark SQL + Delta Lake)' } }),
      ExecuteStatement: async (req: Request) => this.executeStatement(req),
      GetOperationStatus: async (req: Request) => {
        const op = this.operation(req);
        if (op === undefined) return { status: invalidHandle('operation') };
        await Promise.race([op.done, new Promise((resolve) => setTimeout(resolve, 500))]);
        return operationStatus(op);
      },
      GetResultSetMetadata: async (req: Request) => {
        const op = this.operation(req);
        if (op === undefined) return { status: invalidHandle('operation') };
        return resultSetMetadata(op);
      },
      FetchResults: async (req: Request) => {
        const op = this.operation(req);
        if (op === undefined) return { status: invalidHandle('operation') };
        if (req['fetchType'] === 1) return { status: ok, hasMoreRows: false, results: { startRowOffset: 0, rows: [], columns: [] } };
        const first = (req['orientation'] as number | undefined) === 4; // FETCH_FIRST
        return fetchResults(op, Number((req['maxRows'] as { toNumber?: () => number })?.toNumber?.() ?? 10_000), first);
      },
      CancelOperation: async () => ({ status: ok }),
      CloseOperation: async (req: Request) => {
        this.operations.delete(guidOf(req.operationHandle?.operationId));
        return { status: ok };
      },
      GetTypeInfo: unsupported('GetTypeInfo'),
      GetCatalogs: unsupported('GetCatalogs'),
      GetSchemas: unsupported('GetSchemas'),
      GetTables: unsupported('GetTables'),
      GetTableTypes: unsupported('GetTableTypes'),
      GetColumns: unsupported('GetColumns'),
      GetFunctions: unsupported('GetFunctions'),
      GetPrimaryKeys: unsupported('GetPrimaryKeys'),
      GetCrossReference: unsupported('GetCrossReference'),
      GetDelegationToken: unsupported('GetDelegationToken'),
      CancelDelegationToken: unsupported('CancelDelegationToken'),
      RenewDelegationToken: unsupported('RenewDelegationToken'),
    };
  }

  private openSession(req: Request): object {
    // The driver sends its version in `client_protocol_i64`; `client_protocol` arrives as -7. Below V8 the
    // driver silently drops statement parameters, so the warehouse answers V8.
    const requested = (req['client_protocol_i64'] as { toNumber?: () => number } | undefined)?.toNumber?.() ?? SUPPORTED_PROTOCOL;
    const id = uuidBytes();
    this.sessions.set(id.toString('hex'), { id: id.toString('hex') });
    return {
      status: ok,
      serverProtocolVersion: Math.min(requested, SUPPORTED_PROTOCOL),
      sessionHandle: { sessionId: { guid: id, secret: uuidBytes() } },
      configuration: {},
      canUseMultipleCatalogs: true,
    };
  }

  private async executeStatement(req: Request): Promise<object> {
    const sessionId = guidOf(req.sessionHandle?.sessionId);
    if (!this.sessions.has(sessionId)) return { status: invalidHandle('session') };
    const statement = String(req['statement'] ?? '');
    const native = req['useArrowNativeTypes'] as { timestampAsArrow?: boolean; decimalAsArrow?: boolean } | undefined;
    const arrow = req['canReadArrowResult'] === true ? { timestampAsArrow: native?.timestampAsArrow === true, decimalAsArrow: native?.decimalAsArrow === true } : undefined;
    const id = uuidBytes();
    const args = parameters(req['parameters']);
    this.statements.push(statement);
    for (const listener of [...this.statementListeners]) listener(statement);
    const op: Operation = {
      id: id.toString('hex'),
      sessionId,
      statement,
      arrow,
      state: 'running',
      cursor: 0,
      done: this.spark.sql(statement, { maxRows: MAX_RESULT_ROWS, longsAsStrings: true, ...(args === undefined ? {} : { args }) }).then(
        (result) => {
          if (result.truncated) throw new Error(`the test warehouse returns at most ${MAX_RESULT_ROWS} rows`);
          op.result = result;
          op.state = 'finished';
        },
        (failure: unknown) => {
          op.state = 'failed';
          op.error = statementError(failure);
        },
      ),
    };
    this.operations.set(op.id, op);
    await Promise.race([op.done, new Promise((resolve) => setTimeout(resolve, this.directResultsWaitMs))]);
    // The handle says a result set may come; GetOperationStatus then says whether one does.
    const handle = { operationId: { guid: id, secret: uuidBytes() }, operationType: tcliTypes.TOperationType['EXECUTE_STATEMENT'], hasResultSet: true };
    const direct = req['getDirectResults'] as { maxRows?: { toNumber(): number } } | undefined;
    if (op.state === 'running' || direct === undefined) return { status: ok, operationHandle: handle };
    const hasRows = op.state === 'finished' && op.result!.columns.length > 0;
    return {
      status: ok,
      operationHandle: handle,
      directResults: {
        operationStatus: operationStatus(op),
        ...(hasRows ? { resultSetMetadata: resultSetMetadata(op), resultSet: fetchResults(op, direct.maxRows?.toNumber() ?? 100_000, true) } : {}),
      },
    };
  }

  private operation(req: Request): Operation | undefined {
    return this.operations.get(guidOf(req.operationHandle?.operationId));
  }
}

function operationStatus(op: Operation): object {
  if (op.state === 'running') return { status: ok, operationState: O['RUNNING_STATE'] };
  if (op.state === 'failed') {
    const { message, sqlState } = op.error!;
    // No `hasResultSet` here: `false` would make the driver's fetchAll return [] instead of raising the error.
    return { status: ok, operationState: O['ERROR_STATE'], sqlState, errorMessage: message, displayMessage: message };
  }
  const hasResultSet = op.result!.columns.length > 0;
  const affected = op.result!.columns.findIndex((c) => c.name === 'num_affected_rows');
  const modified = affected >= 0 ? String(op.result!.rows[0]?.[affected] ?? '0') : undefined;
  return { status: ok, operationState: O['FINISHED_STATE'], hasResultSet, ...(modified === undefined ? {} : { numModifiedRows: int64FromText(modified) }) };
}

function resultSetMetadata(op: Operation): object {
  if (op.state !== 'finished') return { status: error('the statement has no result (yet)') };
  const { columns } = op.result!;
  if (op.arrow === undefined) return { status: ok, schema: tableSchema(columns), resultFormat: tcliTypes.TSparkRowSetType['COLUMN_BASED_SET'], lz4Compressed: false, isStagingOperation: false };
  op.encoder ??= arrowResult(columns, op.arrow);
  return {
    status: ok,
    schema: tableSchema(columns),
    resultFormat: tcliTypes.TSparkRowSetType['ARROW_BASED_SET'],
    arrowSchema: op.encoder.schemaMessage,
    lz4Compressed: false,
    isStagingOperation: false,
  };
}

function fetchResults(op: Operation, maxRows: number, first: boolean): object {
  if (op.state !== 'finished') return { status: error('the statement has no result to fetch') };
  if (first) op.cursor = 0;
  const { rows, columns } = op.result!;
  const start = op.cursor;
  const page = rows.slice(start, start + Math.max(1, maxRows));
  op.cursor = start + page.length;
  const hasMoreRows = op.cursor < rows.length;
  // `startRowOffset` (an i64) and an empty `rows` list are required beside the columns.
  const base = { startRowOffset: int64FromText(String(start)), rows: [] };
  if (op.arrow === undefined) return { status: ok, hasMoreRows, results: { ...base, columns: columnBasedColumns(columns, page) } };
  op.encoder ??= arrowResult(columns, op.arrow);
  const arrowBatches = page.length === 0 ? [] : [{ batch: op.encoder.batchMessage(page), rowCount: int64FromText(String(page.length)) }];
  return { status: ok, hasMoreRows, results: { ...base, arrowBatches } };
}

/** The failure as a warehouse reports it: `[ERROR_CLASS] message`, with the SQLSTATE apart. */
function statementError(failure: unknown): NonNullable<Operation['error']> {
  if (failure instanceof SparkSqlError) {
    const errorClass = failure.sparkErrorClass;
    const text = errorClass !== undefined && !failure.message.startsWith(`[${errorClass}]`) ? `[${errorClass}] ${failure.message}` : failure.message;
    return { message: text, sqlState: failure.sqlState ?? 'XXKCP', errorClass };
  }
  return { message: failure instanceof Error ? failure.message : String(failure), sqlState: 'XXKCP', errorClass: undefined };
}

function parameters(raw: unknown): Record<string, SparkParameter> | SparkParameter[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const list = raw as { name?: string; type?: string; value?: { stringValue?: string; doubleValue?: number; booleanValue?: boolean } }[];
  const toParameter = (p: (typeof list)[number]): SparkParameter => {
    const value = p.value?.stringValue ?? (p.value?.doubleValue === undefined ? undefined : String(p.value.doubleValue)) ?? (p.value?.booleanValue === undefined ? undefined : String(p.value.booleanValue));
    return { ...(p.type === undefined || p.type === null ? {} : { type: p.type }), value: value ?? null };
  };
  if (list.every((p) => typeof p.name === 'string' && p.name !== '')) return Object.fromEntries(list.map((p) => [p.name!, toParameter(p)]));
  return list.map(toParameter);
}

function error(message: string): object {
  return { statusCode: S['ERROR_STATUS'], errorMessage: message, displayMessage: message };
}

function invalidHandle(kind: 'session' | 'operation'): object {
  const message = kind === 'session' ? 'Invalid SessionHandle: the session is closed or expired' : 'Invalid OperationHandle: the operation is closed or unknown';
  return { statusCode: S['ERROR_STATUS'], errorMessage: message, displayMessage: message, sqlState: 'HY000' };
}

/** The driver renders handle guids as RFC 4122 UUIDs (and fails on other bytes). */
function uuidBytes(): Buffer {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
}

function guidOf(identifier: { guid?: Buffer } | undefined): string {
  return identifier?.guid?.toString('hex') ?? '';
}
