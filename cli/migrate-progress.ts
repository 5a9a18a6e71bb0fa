import type { ReplicationStatus, SnapshotProgress } from '../connectors/postgres/source/postgres-source.js';

interface TableLine {
  rows: number;
  estimated: number;
  done: boolean;
  startedAt: number;
  finishedAt?: number;
}

const BAR_WIDTH = 24;

/**
 * The migration's progress on a terminal (stderr): one bar per table during the snapshot — rows done /
 * estimated total, rate, ETA — redrawn in place on a TTY (every 5 s as plain lines otherwise), then
 * the replication lag (bytes and seconds) while following changes.
 */
export class MigrateProgress {
  private readonly tables = new Map<string, TableLine>();
  private readonly tty: boolean;
  private drawnLines = 0;
  private lastDraw = -Infinity;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, private readonly now: () => number = Date.now) {
    this.tty = out.isTTY === true;
  }

  onSnapshot(progress: SnapshotProgress): void {
    const now = this.now();
    let line = this.tables.get(progress.table);
    if (line === undefined) this.tables.set(progress.table, (line = { rows: 0, estimated: progress.estimatedRows, done: false, startedAt: now }));
    line.rows = progress.rowsRead;
    line.estimated = progress.estimatedRows;
    if (progress.done && !line.done) {
      line.done = true;
      line.finishedAt = now;
    }
    if (progress.done || now - this.lastDraw >= (this.tty ? 100 : 5_000)) this.draw(now, progress.done && !this.tty ? progress.table : undefined);
  }

  onReplication(status: ReplicationStatus): void {
    this.out.write(`following changes: lag ${formatBytes(status.lagBytes)} / ${status.lagSeconds.toFixed(1)} s, slot ${status.slot} retains ${formatBytes(status.retainedBytes)} of WAL\n`);
    this.drawnLines = 0;
  }

  /** One line per table, as drawn. */
  lines(now = this.now()): string[] {
    const width = Math.max(...[...this.tables.keys()].map((name) => name.length));
    return [...this.tables].map(([name, line]) => {
      const total = Math.max(line.estimated, line.rows, 1);
      const fraction = line.done ? 1 : Math.min(1, line.rows / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const seconds = Math.max(((line.finishedAt ?? now) - line.startedAt) / 1000, 1e-3);
      const rate = line.rows / seconds;
      const eta = line.done ? 'done' : rate > 0 ? `ETA ${formatDuration(Math.max(0, total - line.rows) / rate)}` : 'ETA ?';
      return `${name.padEnd(width)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${line.rows}/${line.done ? line.rows : `~${total}`} rows ${Math.round(rate)} rows/s ${eta}`;
    });
  }

  private draw(now: number, only?: string): void {
    this.lastDraw = now;
    const lines = this.lines(now);
    if (!this.tty) {
      const names = [...this.tables.keys()];
      for (let i = 0; i < lines.length; i++) if (only === undefined || names[i] === only) this.out.write(`${lines[i]}\n`);
      return;
    }
    if (this.drawnLines > 0) this.out.write(`\u001b[${this.drawnLines}F`);
    for (const line of lines) this.out.write(`\u001b[2K${line}\n`);
    this.drawnLines = lines.length;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
