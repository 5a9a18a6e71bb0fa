import type { Observable } from 'rxjs';
import { ConfigError } from '../errors.js';
import type { Row } from '../input.js';
import type { StreamBatch, StreamRecord } from '../record.js';
import type { TopologyContext, TopologyInputs } from '../topology.js';
import { optionalText } from './row-values.js';

/**
 * A topology's stream input by name, for use in `build`. A missing one is a wiring mistake of the caller
 * (the CLI or a test), not bad data: it throws a `ConfigError` at path `inputs.<name>` naming the topology.
 */
export function streamInput(inputs: TopologyInputs, name: string, ctx: Pick<TopologyContext, 'topology'>): Observable<StreamBatch<Row>> {
  const stream = inputs.streams[name];
  if (stream === undefined) throw new ConfigError(`inputs.${name}`, `${ctx.topology} needs the stream input "${name}"`);
  return stream;
}

/** A topology's table input by name; a missing one throws a `ConfigError` like `streamInput`. */
export function tableInput(inputs: TopologyInputs, name: string, ctx: Pick<TopologyContext, 'topology'>): readonly StreamRecord<Row>[] {
  const table = inputs.tables[name];
  if (table === undefined) throw new ConfigError(`inputs.${name}`, `${ctx.topology} needs the table input "${name}"`);
  return table;
}

/**
 * Indexes a table input by a key field for `enrichFromTable`. Keys are compared as trimmed text (see
 * `optionalText`), so `11` and `" 11"` match; rows without a key cannot be looked up and are left out.
 * A later row with the same key replaces an earlier one (upsert).
 */
export function indexTable<U>(rows: readonly StreamRecord<Row>[], keyField: string, value: (row: Row) => U): Map<string, U> {
  const index = new Map<string, U>();
  for (const record of rows) {
    const key = optionalText(record.value, keyField);
    if (key !== undefined) index.set(key, value(record.value));
  }
  return index;
}
