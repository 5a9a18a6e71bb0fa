import type { Logger } from 'pino';
import { isTransactionalSink, type Sink, type SinkOpenContext, type StreamRecord, type TableRow, type TableSpec, type TransactionalSink, type WriteContext } from '../engine/index.js';

/**
 * A sink whose output tables may gain columns while the pipeline runs: before each write, every table
 * whose declaration `current()` shows changed since the sink last saw it goes to `sink.evolve` (the
 * source changes the declaration before it hands out the first row with the new column, so the write
 * that carries it comes after). A sink without `evolve` keeps its columns; that is logged once per table.
 */
export function evolvingSink(sink: Sink, current: () => readonly TableSpec[], logger?: Pick<Logger, 'warn'>): Sink {
  const seen = new Map<string, TableSpec>();
  const warned = new Set<string>();
  const evolve = async (): Promise<void> => {
    for (const spec of current()) {
      if (seen.get(spec.name) === spec) continue;
      if (sink.evolve !== undefined) await sink.evolve(spec);
      else if (!warned.has(spec.name)) {
        warned.add(spec.name);
        logger?.warn({ sink: sink.name, table: spec.name }, `${sink.name} sink cannot add columns while running: the new columns of ${spec.name} reach it after a restart`);
      }
      seen.set(spec.name, spec);
    }
  };
  const wrapped: Sink = {
    name: sink.name,
    open: async (ctx: SinkOpenContext) => {
      await sink.open(ctx);
      seen.clear();
      for (const spec of ctx.tables) seen.set(spec.name, spec);
    },
    write: async (batch: readonly StreamRecord<TableRow>[], ctx: WriteContext) => {
      await evolve();
      await sink.write(batch, ctx);
    },
    flush: (endOfInput) => sink.flush(endOfInput),
    close: () => sink.close(),
  };
  if (!isTransactionalSink(sink)) return wrapped;
  const transactional: TransactionalSink = { ...wrapped, storedPositions: (...args) => sink.storedPositions(...args) };
  return transactional;
}
