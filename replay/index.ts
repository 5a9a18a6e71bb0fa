// The replay layer's public surface: bounded file sources, pacing, progress and data generators.
export { FileSource, openFileSource, type FileSourceOptions, type ReadOptionsChooser, type ReplayOrdering } from './file-source.js';
export { Pacer, parseSpeed, type ReplaySpeed } from './pacing.js';
export { ProgressReporter, formatCount, formatDuration, type ProgressOutput, type ProgressReporterOptions } from './progress.js';
export { readCheckpoint, writeCheckpoint } from './checkpoint.js';
export { readFirstLines, readCsvHeaderLines } from './formats/csv/header-lines.js';
export { detectFormat, openRecordReader, type FileFormat } from './formats/open-reader.js';
export type { ReadBatch, RecordReader, RecordReaderOptions } from './formats/record-reader.js';
export { parseBooleanText, parseDateText, parseIntegerText, parseNumberText, parseTimestampText } from './formats/parse-text.js';
export * from './generators/index.js';
