import type { RowResult, ValueToRow } from '../connectors/kafka/kafka-source.js';
import type { FieldType, InputSpec, ReadOptions, Row } from '../engine/index.js';
import { ValueRowBuilder } from '../replay/formats/value-row.js';

// Distinct field sets worth remembering; a topic of arbitrary shapes must not grow this without bound.
const MAX_LAYOUTS = 64;

/** One distinct field set (in order) and how values of it become rows. */
interface Layout {
  readonly names: readonly string[];
  readonly toRow: ValueToRow;
  /** Typing in place, when every declared field is present and no conversion could apply (see `inPlaceTyper`). */
  readonly inPlace: InPlaceTyper | undefined;
}

/**
 * Types Kafka record values for a topology input the way a file replay types its rows: the input's
 * `readOptions` are chosen from the value's field names (as a header line), once per distinct field set.
 * A value whose fields the input cannot read (or that is not an object) becomes a parse error naming why.
 *
 * Per record this is the hot path of a Kafka pipeline, so the usual case costs no allocation beyond the
 * result: the field set is recognised by walking the value's keys against the last layout seen, and a
 * freshly decoded plain object whose declared fields already hold their declared types (what a JSON
 * producer of the same schema sends) becomes the row itself. Anything else goes through `ValueRowBuilder`.
 */
export function valueToRowFor(input: InputSpec, topic: string): ValueToRow {
  const layouts = new Map<string, Layout>();
  let last: Layout | undefined;
  const layoutOf = (value: object): Layout => {
    if (last !== undefined && hasFieldsInOrder(value, last.names)) return last;
    const names = Object.keys(value);
    const header = names.join(',');
    let layout = layouts.get(header);
    if (layout === undefined) {
      layout = createLayout(input, topic, names, header);
      if (layouts.size < MAX_LAYOUTS) layouts.set(header, layout);
    }
    last = layout;
    return layout;
  };
  return (value: unknown): RowResult => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, field: undefined, detail: 'expected an object' };
    const layout = layoutOf(value);
    return layout.inPlace?.(value as Record<string, unknown>) ?? layout.toRow(value);
  };
}

function createLayout(input: InputSpec, topic: string, names: readonly string[], header: string): Layout {
  try {
    const options = input.readOptions(topic, [header]);
    const builder = new ValueRowBuilder(options);
    return { names, toRow: (v) => builder.build(v), inPlace: inPlaceTyper(options, names) };
  } catch (error) {
    const detail = `fields ${header} are not a layout input ${input.name} reads: ${(error as Error).message}`;
    return { names, toRow: () => ({ ok: false, field: undefined, detail }), inPlace: undefined };
  }
}

/** True when `value`'s enumerable keys are exactly `names`, in that order (no array is built). */
function hasFieldsInOrder(value: object, names: readonly string[]): boolean {
  let i = 0;
  for (const name in value) {
    if (name !== names[i]) return false;
    i++;
  }
  return i === names.length;
}

/** The row of a value that needs no conversion, or undefined: then `ValueRowBuilder` types it. */
type InPlaceTyper = (value: Record<string, unknown>) => RowResult | undefined;

/**
 * For a layout holding every declared field (none of type `date`, which is reformatted), a typer that
 * accepts a plain object as its own row when `ValueRowBuilder` would return the same cells: declared
 * numbers/timestamps already numbers, integers safe integers, booleans booleans, strings non-null-token
 * strings, and every other field a scalar or null. The decoded object is the source's own, so using it
 * as the row copies nothing; the result object is reused (`ValueToRow` allows it).
 */
function inPlaceTyper(options: ReadOptions, names: readonly string[]): InPlaceTyper | undefined {
  const fields: { name: string; type: FieldType }[] = (options.fields ?? []).map((f) => ({ name: f.name, type: f.type }));
  const eventTime = options.eventTime;
  if (eventTime !== undefined && !fields.some((f) => f.name === eventTime)) fields.push({ name: eventTime, type: 'timestamp' });
  if (names.includes('__proto__') || fields.some((f) => f.type === 'date' || !names.includes(f.name))) return undefined;
  const declared = new Set(fields.map((f) => f.name));
  const undeclared = names.filter((name) => !declared.has(name));
  const nullTokens = new Set(options.nullTokens ?? ['']);
  const key = options.key;
  const result: { ok: true; row: Row; eventTime: number; key: string | undefined } = { ok: true, row: {}, eventTime: 0, key: undefined };
  return (value) => {
    if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
    for (let i = 0; i < fields.length; i++) {
      const { name, type } = fields[i]!;
      if (!isAlreadyTyped(value[name], type, nullTokens)) return undefined;
    }
    for (let i = 0; i < undeclared.length; i++) {
      const cell = value[undeclared[i]!];
      if (cell !== null && typeof cell !== 'string' && typeof cell !== 'boolean' && !(typeof cell === 'number' && Number.isFinite(cell))) return undefined;
    }
    const keyValue = key === undefined ? undefined : value[key];
    result.row = value as Row;
    result.eventTime = eventTime === undefined ? 0 : (value[eventTime] as number);
    result.key = keyValue === null || keyValue === undefined ? undefined : String(keyValue);
    return result;
  };
}

function isAlreadyTyped(cell: unknown, type: FieldType, nullTokens: ReadonlySet<string>): boolean {
  switch (type) {
    case 'number':
    case 'timestamp':
      return typeof cell === 'number' && Number.isFinite(cell);
    case 'integer':
      return Number.isSafeInteger(cell);
    case 'boolean':
      return typeof cell === 'boolean';
    case 'string':
      return typeof cell === 'string' && !nullTokens.has(cell.trim());
    case 'date':
      return false;
  }
}
