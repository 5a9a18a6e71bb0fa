import { createRequire } from 'node:module';

// The test warehouse speaks the protocol exactly as the driver ships it: the TCLIService definitions
// generated into @databricks/sql, the thrift runtime and Arrow version the driver itself depends on.
const requireFromHere = createRequire(import.meta.url);
const requireFromDriver = createRequire(requireFromHere.resolve('@databricks/sql'));

type Enum = Readonly<Record<string, number>>;

/** The generated `TCLIService_types` enums the warehouse answers with. */
export interface TcliTypes {
  readonly TProtocolVersion: Enum;
  readonly TTypeId: Enum;
  readonly TSparkRowSetType: Enum;
  readonly TStatusCode: Enum;
  readonly TOperationState: Enum;
  readonly TOperationType: Enum;
}

/** A Thrift transport holding one request (from `TBufferedTransport.receiver`). */
export interface ReceivedTransport {
  commitPosition(): void;
}

/** The parts of the `thrift` runtime the warehouse uses. */
export interface ThriftRuntime {
  readonly TBufferedTransport: {
    new (buffer: undefined, onFlush: (message: Buffer) => void): object;
    receiver(callback: (transport: ReceivedTransport) => void, seqId?: number): (data: Buffer) => void;
  };
  readonly TBinaryProtocol: new (transport: object) => object;
}

/** A generated service processor: reads one call from `input`, answers on `output` (possibly later). */
export interface TcliProcessor {
  process(input: object, output: object): void;
}

export const tcliTypes = requireFromDriver('../thrift/TCLIService_types.js') as TcliTypes;
export const tcliService = requireFromDriver('../thrift/TCLIService.js') as { Processor: new (handler: object) => TcliProcessor };
export const thriftRuntime = requireFromDriver('thrift') as ThriftRuntime;
/** `node-int64`: Thrift's i64 values. */
export const Int64 = requireFromDriver('node-int64') as new (value: Buffer | number) => { toNumber(allowImprecise?: boolean): number; buffer: Buffer };
/** The apache-arrow the driver reads results with (13.x). */
export const arrow = requireFromDriver('apache-arrow') as typeof import('@databricks/sql/node_modules/apache-arrow');

/** An i64 from a decimal string (exact beyond 2^53), as the driver's Thrift code expects it. */
export function int64FromText(text: string): InstanceType<typeof Int64> {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(text));
  return new Int64(buffer);
}
