import type { Cell } from './table.js';

/** A parsed input row: field name → value. Fields not declared in a schema stay strings (or null). */
export type Row = Readonly<Record<string, Cell>>;

/** How a declared field is parsed from text. */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'timestamp' | 'date';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** An empty (or null-token) value is a parse error when true; otherwise it becomes null. */
  readonly required?: boolean;
}

/**
 * How a source reads one input: which fields to type, where event time and key come from, and the
 * file-format facts a topology knows about its data (header row, preamble, encoding, null tokens).
 * Sources honour it the same way for files and Kafka topics (file-only fields are ignored there).
 */
export interface ReadOptions {
  readonly fields?: readonly FieldSpec[];
  /** Field holding the event time (a `timestamp` or `date` field); absent means event time 0. */
  readonly eventTime?: string;
  /** Field whose value becomes the record key. */
  readonly key?: string;
  /** 1-based line of the header row (default 1). Lines before it are preamble and skipped. */
  readonly headerLine?: number;
  /** 1-based physical lines after the header to skip (multi-line headers). */
  readonly skipLines?: readonly number[];
  /** Text encoding of the file (default utf-8; windows-1252 supported). */
  readonly encoding?: 'utf-8' | 'windows-1252' | 'latin1';
  /** Values read as null (default: the empty string only). */
  readonly nullTokens?: readonly string[];
  /** Trim spaces around every value (default true). */
  readonly trim?: boolean;
  /** Name given to an empty header field (default `_index` for a leading one, `_col<N>` otherwise). */
  readonly emptyHeaderName?: string;
}

/** One input a topology reads: a stream (records over event time) or a table (loaded before the streams start). */
export interface InputSpec {
  readonly name: string;
  readonly kind: 'stream' | 'table';
  readonly description: string;
  /** The file read from `--data <dir>` when none is named. */
  readonly defaultFile: string;
  /**
   * Read options for a given file, chosen from its first lines (so one input can accept several
   * layouts, e.g. daily bars, five-minute bars with a 3-line header, or ticks).
   */
  readonly readOptions: (fileName: string, firstLines: readonly string[]) => ReadOptions;
}
