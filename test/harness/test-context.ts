import {
  EngineEvents,
  VirtualClock,
  type DeadLetter,
  type EngineEvent,
  type StreamRecord,
  type TopologyContext,
} from '../../engine/index.js';

/** A record an operator sent to the late side output. */
export interface LateRecord {
  readonly record: StreamRecord<unknown>;
  readonly operator: string;
}

/** A `TopologyContext` on virtual time that keeps everything operators report, for assertions. */
export interface TestContext {
  readonly ctx: TopologyContext;
  readonly clock: VirtualClock;
  /** Every engine event, in order (dead letters and late records are counted here as the runtime would). */
  readonly events: EngineEvent[];
  readonly deadLetters: DeadLetter[];
  readonly late: LateRecord[];
  /** State holds by operator name (a later registration under the same name replaces the earlier one). */
  readonly holds: ReadonlyMap<string, () => ReadonlyMap<string, number>>;
  /** Per partition id, the lowest offset held by any operator (absent = nothing held). */
  lowestHeld(): Map<string, number>;
  /** The events of one type. */
  eventsOf<K extends EngineEvent['type']>(type: K): Extract<EngineEvent, { type: K }>[];
}

export interface TestContextInit {
  readonly topology?: string;
  readonly options?: Readonly<Record<string, string>>;
  /** The clock to use; default a new `VirtualClock` at `startTime` (default 0). */
  readonly clock?: VirtualClock;
  readonly startTime?: number;
}

/** Builds a context whose clock only moves when a test advances it. */
export function createTestContext(init: TestContextInit = {}): TestContext {
  const topology = init.topology ?? 'test';
  const clock = init.clock ?? new VirtualClock(init.startTime ?? 0);
  const events: EngineEvent[] = [];
  const engineEvents = new EngineEvents();
  engineEvents.on((event) => events.push(event));
  const deadLetters: DeadLetter[] = [];
  const late: LateRecord[] = [];
  const holds = new Map<string, () => ReadonlyMap<string, number>>();

  const ctx: TopologyContext = {
    topology,
    clock,
    events: engineEvents,
    options: init.options ?? {},
    deadLetter(letter) {
      deadLetters.push(letter);
      engineEvents.emit({ type: 'dead_letter', topology, source: letter.position.source, reason: letter.reason, count: 1 });
    },
    late(record, operator) {
      late.push({ record, operator });
      engineEvents.emit({ type: 'late', topology, operator, count: 1 });
    },
    holds: {
      register(operator, lowestHeld) {
        holds.set(operator, lowestHeld);
      },
    },
  };

  return {
    ctx,
    clock,
    events,
    deadLetters,
    late,
    holds,
    lowestHeld() {
      const merged = new Map<string, number>();
      for (const fn of holds.values()) {
        for (const [pid, offset] of fn()) {
          const current = merged.get(pid);
          if (current === undefined || offset < current) merged.set(pid, offset);
        }
      }
      return merged;
    },
    eventsOf<K extends EngineEvent['type']>(type: K) {
      return events.filter((event): event is Extract<EngineEvent, { type: K }> => event.type === type);
    },
  };
}
