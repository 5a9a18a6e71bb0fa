import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSink } from '../../connectors/file/file-sink.js';
import { EngineEvents, systemClock, type Cell, type StreamRecord, type TableRow, type TableSpec } from '../../engine/index.js';

const spec: TableSpec = { name: 'items', columns: [{ name: 'id', type: 'integer' }, { name: 'v', type: 'text' }], key: ['id'] };

function record(offset: number, row: Record<string, Cell>, op?: 'delete'): StreamRecord<TableRow> {
  return { value: { table: 'items', row }, eventTime: 0, position: { source: 'slot', partition: 'wal', offset }, ...(op === undefined ? {} : { op }) };
}

describe('FileSink with change-data capture records', () => {
  it('removes a row by a delete that carries only its key, and follows a key change, across batches and a resumed run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-file-cdc-'));
    try {
      const ctx = { topology: 't', positions: [], deadLetter: () => undefined };
      const sink = new FileSink({ dir, format: 'csv', resume: false, fsync: false });
      await sink.open({ topology: 't', tables: [spec], clock: systemClock, events: new EngineEvents() });
      await sink.write([record(1, { id: 1, v: 'a' }), record(1, { id: 2, v: 'b' }), record(2, { id: 1 }, 'delete'), record(3, { id: 2 }, 'delete'), record(3, { id: 20, v: 'b moved' })], ctx);
      await sink.flush(false);
      await sink.close();
      // A resumed run replays the journal (deletes included), then applies more.
      const resumed = new FileSink({ dir, format: 'csv', resume: true, fsync: false });
      await resumed.open({ topology: 't', tables: [spec], clock: systemClock, events: new EngineEvents() });
      await resumed.write([record(4, { id: 1, v: 'a again' }), record(5, { id: 99 }, 'delete')], ctx);
      await resumed.flush(true);
      await resumed.close();
      const lines = (await readFile(join(dir, 'items.csv'), 'utf8')).trim().split('\n').sort();
      expect(lines).toEqual(['1,a again', '20,b moved', 'id,v']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
