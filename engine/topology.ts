import type { Observable } from 'rxjs';
import type { DeadLetter } from './dead-letter.js';
import type { EngineEvents } from './events.js';
import type { InputSpec, Row } from './input.js';
import type { StreamBatch, StreamRecord } from './record.js';
import type { TableRow, TableSpec } from './table.js';
import type { Clock } from './time/clock.js';

/**
 * Operators that keep input records in state (open windows, join buffers) register how far back
 * they still need the input, so the position tracker never commits past it (DESIGN.md invariant 2).
 */
export interface StateHolds {
  /** `lowestHeld` returns, per partition id, the lowest input offset still held (absent = none). */
  register(operator: string, lowestHeld: () => ReadonlyMap<string, number>): void;
}

/** Everything a topology's operators get from the runtime. */
export interface TopologyContext {
  readonly topology: string;
  readonly clock: Clock;
  readonly events: EngineEvents;
  /** Topology options from the CLI or config (`--bar 1w`, `--symbol NVDA`), already validated. */
  readonly options: Readonly<Record<string, string>>;
  /** Sends a record to the dead-letter destination and counts it. */
  deadLetter(letter: DeadLetter): void;
  /** The late-data side output: a record past its window's allowed lateness. Counted; kept when configured. */
  late(record: StreamRecord<unknown>, operator: string): void;
  readonly holds: StateHolds;
}

/** The inputs of a topology: streams by name, and tables loaded completely before the streams start. */
export interface TopologyInputs {
  readonly streams: Readonly<Record<string, Observable<StreamBatch<Row>>>>;
  readonly tables: Readonly<Record<string, readonly StreamRecord<Row>[]>>;
}

/** A topology option (`--bar`, `--symbol`): name, meaning, default, and a validator naming the problem. */
export interface TopologyOption {
  readonly name: string;
  readonly description: string;
  readonly default?: string;
  /** Returns an error message for a bad value, undefined when fine. */
  readonly validate?: (value: string) => string | undefined;
}

/** One edge of a topology's description as a DAG (`cloudpulse topologies <name>`). */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
}

/**
 * A pure function from input streams to output rows. It must only use the context's clock and the
 * records' event time, so the same code gives the same results over a replayed file and a live topic.
 * `build` runs synchronously per batch: every operator emits what a batch causes before the next
 * batch arrives (timers from the context's clock excepted).
 */
export interface Topology {
  readonly name: string;
  /** One line for `cloudpulse topologies`. */
  readonly description: string;
  readonly inputs: readonly InputSpec[];
  readonly outputs: readonly TableSpec[];
  readonly options: readonly TopologyOption[];
  readonly graph: readonly TopologyEdge[];
  build(inputs: TopologyInputs, ctx: TopologyContext): Observable<StreamBatch<TableRow>>;
}
