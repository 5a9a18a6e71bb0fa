import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../../engine/index.js';

import { csvCell, csvLine } from './format-cell.js';

/**
 * Appends dead letters to a CSV file with columns `source, position, reason, detail, field, raw`
 * (position: a line number for files, `partition:offset` for Kafka). Durable on each write.
 */
export class DeadLetterFileSink implements DeadLetterSink {
  readonly name = 'dead-letter-file';
  private handle: FileHandle | undefined;

  constructor(private readonly path: string, private readonly options: { append: boolean; fsync: boolean }) {}

  async write(letters: readonly DeadLetter[]): Promise<void> {
    const handle = await this.file();
    const lines = letters.map((letter) =>
      csvLine([
        letter.position.source,
        letter.position.partition === letter.position.source ? String(letter.position.offset) : `${letter.position.partition}:${letter.position.offset}`,
        letter.reason,
        letter.detail,
        letter.field ?? '',
        letter.raw ?? '',
      ].map((text) => csvCell(text, 'text'))),
    );
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
      this.handle = await open(this.path, this.options.append ? 'a' : 'w');
      if ((await this.handle.stat()).size === 0) await this.handle.write('source,position,reason,detail,field,raw\n');
    }
    return this.handle;
  }
}

