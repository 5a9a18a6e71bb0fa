import { open, type FileHandle } from 'node:fs/promises';

/** How generated files mimic their real counterparts. */
export interface CsvFileStyle {
  /** Line terminator (the real file's: `\n` or `\r\n`). */
  readonly eol?: '\n' | '\r\n';
  /** Start with a UTF-8 byte-order mark (WorldBank.csv does). */
  readonly bom?: boolean;
  /** Leave the last row without a line terminator (NVDA.csv does). */
  readonly noFinalNewline?: boolean;
}

/** A value as written: strings quoted only when they hold a comma, quote or line break. */
export type CsvValue = string | number | null;

const FLUSH_AT = 1 << 20;

/**
 * Writes a CSV file row by row through a ~1 MiB buffer, so a generator can write any number of rows
 * in constant memory. Deterministic: numbers must already be formatted by the caller when their
 * exact text matters (`toFixed`), others use `String(number)`.
 */
export class CsvWriter {
  private parts: string[] = [];
  private size = 0;
  private rows = 0;
  private pendingEol = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly style: CsvFileStyle,
  ) {}

  static async create(path: string, header: readonly string[], style: CsvFileStyle = {}): Promise<CsvWriter> {
    const writer = new CsvWriter(await open(path, 'w'), style);
    if (style.bom === true) writer.push('\ufeff');
    writer.pushLine(header.map(quote).join(','));
    return writer;
  }

  /** Rows written so far (the header excluded). */
  get count(): number {
    return this.rows;
  }

  /** Buffers one row; call `flush()` when `full` (generators check after each row). */
  row(values: readonly CsvValue[]): void {
    let line = '';
    for (let i = 0; i < values.length; i++) {
      if (i > 0) line += ',';
      const value = values[i];
      line += value === null || value === undefined ? '' : typeof value === 'number' ? String(value) : quote(value);
    }
    this.pushLine(line);
    this.rows++;
  }

  /** True when the buffer should be written out. */
  get full(): boolean {
    return this.size >= FLUSH_AT;
  }

  /** Writes every row of a table, flushing as the buffer fills. */
  async writeAll(rows: Iterable<readonly CsvValue[]>): Promise<void> {
    for (const values of rows) {
      this.row(values);
      if (this.full) await this.flush();
    }
  }

  async close(): Promise<void> {
    if (this.pendingEol && this.style.noFinalNewline !== true) this.push(this.style.eol ?? '\n');
    await this.flush();
    await this.handle.close();
  }

  private pushLine(line: string): void {
    if (this.pendingEol) this.push(this.style.eol ?? '\n');
    this.push(line);
    this.pendingEol = true;
  }

  private push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    await this.handle.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Writes a whole table (header and rows) to `path`. */
export async function writeCsv(path: string, header: readonly string[], rows: Iterable<readonly CsvValue[]>, style: CsvFileStyle = {}): Promise<void> {
  const writer = await CsvWriter.create(path, header, style);
  await writer.writeAll(rows);
  await writer.close();
}
