import type { RowResult, ValueToRow } from '../connectors/kafka/kafka-source.js';
import type { InputSpec } from '../engine/index.js';
import { ValueRowBuilder } from '../replay/formats/value-row.js';

// Distinct field sets worth remembering; a topic of arbitrary shapes must not grow this without bound.
const MAX_LAYOUTS = 64;

/**
 * Types Kafka record values for a topology input the way a file replay types its rows: the input's
 * `readOptions` are chosen from the value's field names (as a header line), once per distinct field set.
 * A value whose fields the input cannot read (or that is not an object) becomes a parse error naming why.
 */
export function valueToRowFor(input: InputSpec, topic: string): ValueToRow {
  const layouts = new Map<string, ValueToRow>();
  return (value: unknown): RowResult => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, field: undefined, detail: 'expected an object' };
    const header = Object.keys(value).join(',');
    let toRow = layouts.get(header);
    if (toRow === undefined) {
      try {
        const builder = new ValueRowBuilder(input.readOptions(topic, [header]));
        toRow = (v) => builder.build(v);
      } catch (error) {
        const detail = `fields ${header} are not a layout input ${input.name} reads: ${(error as Error).message}`;
        toRow = () => ({ ok: false, field: undefined, detail });
      }
      if (layouts.size < MAX_LAYOUTS) layouts.set(header, toRow);
    }
    return toRow(value);
  };
}
