import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../../engine/index.js';
import { csvCell, csvLine } from './format-cell.js';

const header = 'source,position,reason,detail,field,raw';

/**
 * Appends dead letters to a CSV file with columns `source, position, reason, detail, field, raw`
 * (position: a line number for files, `partition:offset` for Kafka). Durable on each write.
 * Idempotent like every sink: a resumed run re-reads input that was not committed, and a letter
 * already in the file (same source, position and reason) is not written twice.
 */
export class DeadLetterFileSink implements DeadLetterSink {
  readonly name = 'dead-letter-file';
  private handle: FileHandle | undefined;
  private readonly written = new Set<string>();

  constructor(private readonly path: string, private readonly options: { append: boolean; fsync: boolean }) {}

  async write(letters: readonly DeadLetter[]): Promise<void> {
    const handle = await this.file();
    const lines: string[] = [];
    for (const letter of letters) {
      const fields = [letter.position.source, positionText(letter), letter.reason];
      const identity = csvLine(fields.map((text) => csvCell(text, 'text')));
      if (this.written.has(identity)) continue;
      this.written.add(identity);
      lines.push(csvLine([...fields, letter.detail, letter.field ?? '', letter.raw ?? ''].map((text) => csvCell(text, 'text'))));
    }
    if (lines.length === 0) return;
    await handle.write(`${lines.join('\n')}\n`);
    if (this.options.fsync) await handle.datasync();
  }

  async close(): Promise<void> {
    await (await this.file()).close();
    this.handle = undefined;
  }

  private async file(): Promise<FileHandle> {
    if (this.handle === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      if (this.options.append) await this.loadWritten();
      this.handle = await open(this.path, this.options.append ? 'a' : 'w');
      if ((await this.handle.stat()).size === 0) await this.handle.write(`${header}\n`);
    }
    return this.handle;
  }

  private async loadWritten(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return;
    }
    for (const record of splitCsvRecords(text).slice(1)) this.written.add(firstFields(record, 3));
  }
}

function positionText(letter: DeadLetter): string {
  const { source, partition, offset } = letter.position;
  return partition === source ? String(offset) : `${partition}:${offset}`;
}

/** Splits our own CSV output into records (line breaks inside quoted fields stay inside). */
function splitCsvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      if (i > start) records.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records;
}

/** The first `count` raw fields of a CSV record, joined back with commas (still quoted as written). */
function firstFields(record: string, count: number): string {
  let quoted = false;
  let fields = 0;
  for (let i = 0; i < record.length; i++) {
    const c = record[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted && ++fields === count) return record.slice(0, i);
  }
  return record;
}
