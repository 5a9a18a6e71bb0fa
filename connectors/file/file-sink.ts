import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  partitionId,
  rowKey,
  type Cell,
  type SinkOpenContext,
  type SourcePosition,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type TransactionalSink,
  type WriteContext,
} from '../../engine/index.js';
import type { FileSinkConfig } from './config.js';
import { csvCell, csvLine, jsonCell } from './format-cell.js';

const journalName = '.cloudpulse-journal.jsonl';

interface JournalEntry {
  readonly positions: readonly SourcePosition[];
  readonly rows: readonly { readonly table: string; readonly row: Record<string, Cell>; readonly op?: 'delete' }[];
}

/**
 * Writes each output table to `<dir>/<table>.csv` (or `.jsonl`), columns in declared order, one row
 * per key (window results are upserts). Every write is appended to a journal together with the source
 * positions it makes durable, so an interrupted run resumes exactly where its data stopped
 * (`resume: true`); the table files are (re)written atomically on flush, and the journal is removed
 * once a bounded input has been written completely.
 */
export class FileSink implements TransactionalSink {
  readonly name = 'file';
  private readonly tables = new Map<string, { spec: TableSpec; rows: Map<string, Readonly<Record<string, Cell>>> }>();
  private readonly stored = new Map<string, SourcePosition>();
  private journal: FileHandle | undefined;

  constructor(private readonly config: Omit<FileSinkConfig, 'type'>) {}

  async open(ctx: SinkOpenContext): Promise<void> {
    await mkdir(this.config.dir, { recursive: true });
    for (const spec of ctx.tables) this.tables.set(spec.name, { spec, rows: new Map() });
    const journalPath = join(this.config.dir, journalName);
    if (this.config.resume) await this.replayJournal(journalPath);
    else await rm(journalPath, { force: true });
    this.journal = await open(journalPath, 'a');
  }

  async write(batch: readonly StreamRecord<TableRow>[], ctx: WriteContext): Promise<void> {
    const entry: JournalEntry = {
      positions: ctx.positions,
      rows: batch.map((record) => ({ table: record.value.table, row: { ...record.value.row }, ...(record.op === 'delete' ? { op: 'delete' as const } : {}) })),
    };
    await this.journal!.write(`${JSON.stringify(entry)}\n`);
    if (this.config.fsync) await this.journal!.datasync();
    this.apply(entry);
  }

  async storedPositions(source: string): Promise<readonly SourcePosition[]> {
    return [...this.stored.values()].filter((position) => position.source === source);
  }

  async flush(endOfInput: boolean): Promise<void> {
    for (const { spec, rows } of this.tables.values()) await this.writeTable(spec, rows.values());
    if (endOfInput) {
      await this.journal?.close();
      this.journal = undefined;
      await rm(join(this.config.dir, journalName), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.journal?.close();
    this.journal = undefined;
  }

  /** The path a table is written to. */
  tablePath(table: string): string {
    return join(this.config.dir, `${table}.${this.config.format}`);
  }

  private apply(entry: JournalEntry): void {
    for (const { table, row, op } of entry.rows) {
      const target = this.tables.get(table);
      if (target === undefined) throw new Error(`file sink: row for undeclared table ${table}`);
      const key = rowKey(target.spec, row);
      if (op === 'delete') target.rows.delete(key);
      else target.rows.set(key, row);
    }
    for (const position of entry.positions) this.stored.set(partitionId(position), position);
  }

  private async replayJournal(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      // A torn last line (crash mid-append) was never acknowledged: its positions were not committed.
      if (line.length === 0) continue;
      try {
        this.apply(JSON.parse(line) as JournalEntry);
      } catch {
        break;
      }
    }
  }

  private async writeTable(spec: TableSpec, rows: Iterable<Readonly<Record<string, Cell>>>): Promise<void> {
    const lines: string[] = [];
    if (this.config.format === 'csv') {
      lines.push(csvLine(spec.columns.map((c) => csvCell(c.name, 'text'))));
      for (const row of rows) lines.push(csvLine(spec.columns.map((c) => csvCell(row[c.name], c.type))));
    } else {
      for (const row of rows) {
        const out: Record<string, Cell> = {};
        for (const c of spec.columns) out[c.name] = jsonCell(row[c.name], c.type);
        lines.push(JSON.stringify(out));
      }
    }
    const path = this.tablePath(spec.name);
    const temporary = `${path}.tmp`;
    await writeFile(temporary, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    await rename(temporary, path);
  }
}
