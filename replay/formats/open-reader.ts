import { extname } from 'node:path';
import { ConfigError } from '../../engine/index.js';
import { openAvroReader } from './avro/avro-reader.js';
import { openCsvReader } from './csv/csv-reader.js';
import { openJsonlReader } from './jsonl/jsonl-reader.js';
import type { RecordReader, RecordReaderOptions } from './record-reader.js';

/** The file formats a replay reads. */
export type FileFormat = 'csv' | 'jsonl' | 'avro';

const EXTENSIONS: Readonly<Record<string, FileFormat>> = {
  '.csv': 'csv', '.txt': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl', '.avro': 'avro',
};

/** The format a file's extension names; an unknown extension is a `ConfigError` naming the file. */
export function detectFormat(path: string): FileFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) throw new ConfigError('files', `cannot tell the format of ${path} from its extension (known: ${Object.keys(EXTENSIONS).join(', ')}); name the format`);
  return format;
}

/** Opens one file with the reader of its format. */
export function openRecordReader(path: string, format: FileFormat, options: RecordReaderOptions): Promise<RecordReader> {
  switch (format) {
    case 'csv':
      return openCsvReader(path, options);
    case 'jsonl':
      return openJsonlReader(path, options);
    case 'avro':
      return openAvroReader(path, options);
  }
}
