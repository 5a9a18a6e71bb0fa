import { ChunkedFileReader } from '../chunked-file.js';
import type { RecordReader, RecordReaderOptions } from '../record-reader.js';
import { CsvParser } from './csv-parser.js';

/**
 * Opens a CSV file as a `RecordReader`: bytes are read in chunks and parsed by `CsvParser`
 * (header, preamble, skipped lines, typed fields, dead letters per `options`). A UTF-8 byte-order
 * mark is dropped when the file is read as UTF-8.
 */
export async function openCsvReader(path: string, options: RecordReaderOptions): Promise<RecordReader> {
  const encoding = options.read.encoding ?? 'utf-8';
  return ChunkedFileReader.open(
    path,
    (name) => new CsvParser({ name, read: options.read, deadLetter: options.deadLetter, ...(options.resumeAfter === undefined ? {} : { resumeAfter: options.resumeAfter }) }),
    { ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }), skipUtf8Bom: encoding === 'utf-8' },
  );
}
