import type { SparkValue } from '../services/index.js';
import { arrow } from './driver-protocol.js';
import { columnKind, epochDays, sparkDouble, timestampMicros, unscaledDecimal, type ColumnKind } from './result-columns.js';

type ArrowData = ReturnType<typeof arrow.makeData>;
type ArrowType = ConstructorParameters<typeof arrow.Field>[1];

/** Which Spark types the client asked to receive as native Arrow types (`TSparkArrowTypes`). */
export interface ArrowNativeTypes {
  readonly timestampAsArrow: boolean;
  readonly decimalAsArrow: boolean;
}

/** A result's Arrow schema and the IPC messages the driver expects. */
export interface ArrowResult {
  /** The schema message only (`TGetResultSetMetadataResp.arrowSchema`): no end-of-stream marker. */
  readonly schemaMessage: Buffer;
  /** One record-batch message (`TSparkArrowBatch.batch`) for `rows`; the driver appends it to the schema. */
  batchMessage(rows: readonly (readonly SparkValue[])[]): Buffer;
}

const END_OF_STREAM_BYTES = 8;

/**
 * Encodes results as a Databricks warehouse sends `ARROW_BASED_SET`: TIMESTAMP as microsecond Arrow
 * timestamps in UTC and DECIMAL as 128-bit Arrow decimals when the client asks for native types (strings
 * otherwise), DATE as day counts, BIGINT as 64-bit integers, complex types as JSON text. The timestamp and
 * decimal buffers are built directly: Arrow 13's builders take milliseconds and doubles, losing digits.
 */
export function arrowResult(columns: readonly { readonly name: string; readonly type: string }[], native: ArrowNativeTypes): ArrowResult {
  const kinds = columns.map((c) => columnKind(c.type));
  const fields = columns.map((column, i) => new arrow.Field(column.name, arrowType(kinds[i]!, native), true));
  const schema = new arrow.Schema(fields);
  const writer = new arrow.RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  writer.finish();
  const schemaStream = Buffer.from(writer.toUint8Array(true));
  const schemaMessage = schemaStream.subarray(0, schemaStream.length - END_OF_STREAM_BYTES);
  return {
    schemaMessage,
    batchMessage(rows) {
      const children = kinds.map((kind, i) => columnData(kind, native, rows.map((row) => row[i] ?? null), fields[i]!.type));
      const data = arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children });
      const stream = Buffer.from(arrow.tableToIPC(new arrow.Table([new arrow.RecordBatch(schema, data)]), 'stream'));
      if (!stream.subarray(0, schemaMessage.length).equals(schemaMessage)) throw new Error('arrow stream does not start with the schema message');
      return stream.subarray(schemaMessage.length, stream.length - END_OF_STREAM_BYTES);
    },
  };
}

function arrowType(kind: ColumnKind, native: ArrowNativeTypes): ArrowType {
  switch (kind.family) {
    case 'boolean':
      return new arrow.Bool();
    case 'int8':
      return new arrow.Int8();
    case 'int16':
      return new arrow.Int16();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'float32':
      return new arrow.Float32();
    case 'float64':
      return new arrow.Float64();
    case 'binary':
      return new arrow.Binary();
    case 'date':
      return new arrow.DateDay();
    case 'timestamp':
      return native.timestampAsArrow ? new arrow.TimestampMicrosecond('Etc/UTC') : new arrow.Utf8();
    case 'decimal':
      return native.decimalAsArrow ? new arrow.Decimal(kind.scale!, kind.precision!, 128) : new arrow.Utf8();
    case 'null':
      return new arrow.Null();
    default:
      return new arrow.Utf8();
  }
}

function columnData(kind: ColumnKind, native: ArrowNativeTypes, values: readonly SparkValue[], type: ArrowType): ArrowData {
  const length = values.length;
  const validity = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  values.forEach((value, i) => {
    if (value === null) nullCount++;
    else validity[i >> 3]! |= 1 << (i & 7);
  });
  const fixed = (data: ArrayBufferView): ArrowData => arrow.makeData({ type, length, nullCount, nullBitmap: validity, data } as Parameters<typeof arrow.makeData>[0]);
  switch (kind.family) {
    case 'null':
      return arrow.makeData({ type: new arrow.Null(), length });
    case 'date':
      return fixed(Int32Array.from(values, (v) => (v === null ? 0 : epochDays(String(v)))));
    case 'timestamp':
      if (!native.timestampAsArrow) break;
      return fixed(BigInt64Array.from(values, (v) => (v === null ? 0n : timestampMicros(String(v)))));
    case 'decimal': {
      if (!native.decimalAsArrow) break;
      const words = new DataView(new ArrayBuffer(length * 16));
      values.forEach((v, i) => {
        if (v === null) return;
        const unscaled = BigInt.asUintN(128, unscaledDecimal(String(v), kind.scale!));
        words.setBigUint64(i * 16, unscaled & 0xffff_ffff_ffff_ffffn, true);
        words.setBigUint64(i * 16 + 8, unscaled >> 64n, true);
      });
      return fixed(new Uint32Array(words.buffer));
    }
    case 'int64':
      return fixed(BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(String(v)))));
    case 'float32':
    case 'float64':
      return arrow.vectorFromArray(values.map((v) => (v === null ? null : sparkDouble(v))), type as InstanceType<typeof arrow.Float64>).data[0]!;
    case 'binary':
      return arrow.vectorFromArray(values.map((v) => (v === null ? null : new Uint8Array(Buffer.from(String(v), 'base64')))), type as InstanceType<typeof arrow.Binary>).data[0]!;
    case 'boolean':
    case 'int8':
    case 'int16':
    case 'int32':
      return arrow.vectorFromArray(values.map((v) => (v === null ? null : kind.family === 'boolean' ? v === true : Number(v))), type as InstanceType<typeof arrow.Int32>).data[0]!;
    default:
      break;
  }
  return arrow.vectorFromArray(values.map((v) => (v === null ? null : kind.family === 'json' ? JSON.stringify(v) : String(v))), new arrow.Utf8()).data[0]!;
}
