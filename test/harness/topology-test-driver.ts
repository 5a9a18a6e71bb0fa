import { Subject } from 'rxjs';
import {
  ConfigError,
  rowKey,
  type DeadLetter,
  type EngineEvent,
  type Row,
  type StreamBatch,
  type StreamRecord,
  type TableRow,
  type TableSpec,
  type Topology,
  type VirtualClock,
} from '../../engine/index.js';
import { BatchCollector } from './batch-collector.js';
import { createTestContext, type LateRecord, type TestContext } from './test-context.js';

export interface TopologyTestDriverInit {
  /** Topology options as the CLI would pass them; defaults apply and validators run as at start. */
  readonly options?: Readonly<Record<string, string>>;
  /** Every table input of the topology, as records (loaded before the streams start). */
  readonly tables?: Readonly<Record<string, readonly StreamRecord<Row>[]>>;
  readonly clock?: VirtualClock;
  /** Start of virtual time when no clock is given (default 0). */
  readonly startTime?: number;
}

/** Resolves topology options like the CLI: defaults, unknown names and validators fail with the option's path. */
export function resolveTopologyOptions(topology: Topology, given: Readonly<Record<string, string>>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const name of Object.keys(given)) {
    if (!topology.options.some((option) => option.name === name)) throw new ConfigError(`options.${name}`, `unknown option of topology ${topology.name}`);
  }
  for (const option of topology.options) {
    const value = given[option.name] ?? option.default;
    if (value === undefined) continue;
    const problem = option.validate?.(value);
    if (problem !== undefined) throw new ConfigError(`options.${option.name}`, problem);
    resolved[option.name] = value;
  }
  return resolved;
}

/**
 * Runs a whole `Topology` on virtual time: feed batches into its stream inputs, move the clock,
 * complete inputs, and read the rows, dead letters, late records, holds and events it produced.
 * Everything happens synchronously in the calls (timers only when the clock is advanced). A topology
 * error is rethrown by the call that caused it.
 */
export class TopologyTestDriver {
  readonly context: TestContext;
  readonly output: BatchCollector<TableRow>;
  private readonly streams = new Map<string, Subject<StreamBatch<Row>>>();
  private readonly completedStreams = new Set<string>();

  constructor(
    readonly topology: Topology,
    init: TopologyTestDriverInit = {},
  ) {
    const options = resolveTopologyOptions(topology, init.options ?? {});
    this.context = createTestContext({
      topology: topology.name,
      options,
      ...(init.clock === undefined ? {} : { clock: init.clock }),
      ...(init.startTime === undefined ? {} : { startTime: init.startTime }),
    });
    const tables: Record<string, readonly StreamRecord<Row>[]> = {};
    for (const input of topology.inputs) {
      if (input.kind === 'stream') this.streams.set(input.name, new Subject<StreamBatch<Row>>());
      else {
        const rows = init.tables?.[input.name];
        if (rows === undefined) throw new Error(`table input ${input.name} of topology ${topology.name} was not given to the test driver`);
        tables[input.name] = rows;
      }
    }
    for (const name of Object.keys(init.tables ?? {})) {
      if (!topology.inputs.some((input) => input.kind === 'table' && input.name === name)) throw new Error(`topology ${topology.name} has no table input ${name}`);
    }
    const streams = Object.fromEntries([...this.streams].map(([name, subject]) => [name, subject.asObservable()]));
    this.output = new BatchCollector(topology.build({ streams, tables }, this.context.ctx));
    this.output.throwIfFailed();
  }

  get clock(): VirtualClock {
    return this.context.clock;
  }

  /** Sends one batch into a stream input: a record array, or a full batch with watermark / ended partitions. */
  feed(stream: string, input: readonly StreamRecord<Row>[] | StreamBatch<Row>): this {
    const subject = this.streams.get(stream);
    if (subject === undefined) throw new Error(`topology ${this.topology.name} has no stream input ${stream}`);
    if (this.completedStreams.has(stream)) throw new Error(`stream input ${stream} was already completed`);
    subject.next(isBatch(input) ? input : { records: input });
    this.output.throwIfFailed();
    return this;
  }

  /** Moves virtual time forward, firing due timers (idle-partition checks). */
  advanceClock(ms: number): this {
    this.clock.advance(ms);
    this.output.throwIfFailed();
    return this;
  }

  /** Completes the named stream inputs (all of them when none is named): the end of a bounded input. */
  complete(...streams: string[]): this {
    for (const name of streams.length === 0 ? [...this.streams.keys()] : streams) {
      const subject = this.streams.get(name);
      if (subject === undefined) throw new Error(`topology ${this.topology.name} has no stream input ${name}`);
      if (this.completedStreams.has(name)) continue;
      this.completedStreams.add(name);
      subject.complete();
    }
    this.output.throwIfFailed();
    return this;
  }

  /** True once the topology's output completed. */
  get completed(): boolean {
    return this.output.completed;
  }

  /** Every output record, in emission order. */
  get records(): StreamRecord<TableRow>[] {
    return this.output.records;
  }

  /** Every row emitted to `table`, in emission order (re-emissions included). */
  outputRows(table: string): Row[] {
    this.requireTable(table);
    return this.output.records.filter((record) => record.value.table === table).map((record) => record.value.row);
  }

  /**
   * The rows an idempotent sink would hold for `table`: upserts by the table's key (a re-emission
   * replaces the earlier row), `op: 'delete'` removes the key. Ordered by first emission of each key.
   */
  tableState(table: string): Row[] {
    const spec = this.requireTable(table);
    const rows = new Map<string, Row>();
    for (const record of this.output.records) {
      if (record.value.table !== table) continue;
      const key = rowKey(spec, record.value.row);
      if (record.op === 'delete') rows.delete(key);
      else rows.set(key, record.value.row);
    }
    return [...rows.values()];
  }

  get deadLetters(): readonly DeadLetter[] {
    return this.context.deadLetters;
  }

  get late(): readonly LateRecord[] {
    return this.context.late;
  }

  get events(): readonly EngineEvent[] {
    return this.context.events;
  }

  /** Per partition id, the lowest input offset any operator still holds. */
  lowestHeld(): Map<string, number> {
    return this.context.lowestHeld();
  }

  private requireTable(table: string): TableSpec {
    const spec = this.topology.outputs.find((output) => output.name === table);
    if (spec === undefined) throw new Error(`topology ${this.topology.name} has no output table ${table}`);
    return spec;
  }
}

function isBatch(input: readonly StreamRecord<Row>[] | StreamBatch<Row>): input is StreamBatch<Row> {
  return !Array.isArray(input);
}
