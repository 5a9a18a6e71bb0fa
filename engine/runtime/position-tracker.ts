import { partitionId, type SourcePosition } from '../record.js';
import { partitionRuns, type PartitionRun } from './partition-runs.js';

/** A registered batch of input positions, acknowledged later as one unit. */
export interface PositionTicket {
  readonly id: number;
}

interface InFlightSpan {
  readonly ticket: number;
  readonly maxOffset: number;
  acked: boolean;
}

interface PartitionProgress {
  readonly source: string;
  readonly partition: string;
  /** Spans in offset order (records of one partition arrive in offset order). */
  readonly spans: InFlightSpan[];
  /** Highest offset such that every record at or below it is acknowledged. */
  ackedThrough: number | undefined;
  lastCommitted: number | undefined;
}

/**
 * Decides which source positions may be committed (DESIGN.md invariant 2): per partition, the highest
 * offset such that every record at or below it has been acknowledged by every sink *and* no state hold
 * (an open window, a join buffer) still needs it. A committed offset means "resume after this one".
 */
export class PositionTracker {
  private readonly partitions = new Map<string, PartitionProgress>();
  private readonly tickets = new Map<number, readonly PartitionProgress[]>();
  private nextTicket = 1;

  /** Registers the positions of a batch read from a source; returns the ticket to acknowledge it by. */
  register(positions: readonly SourcePosition[]): PositionTicket {
    return this.registerRuns(partitionRuns(positions.map((position) => ({ position }))));
  }

  /**
   * `register` for a batch already summarised per partition (`partitionRuns`): per partition a ticket
   * needs only the highest offset, since records of a partition arrive in offset order.
   */
  registerRuns(runs: readonly PartitionRun[]): PositionTicket {
    const id = this.nextTicket++;
    const touched: PartitionProgress[] = [];
    for (const run of runs) {
      const progress = this.partitionOf(run.position);
      progress.spans.push({ ticket: id, maxOffset: run.maxOffset, acked: false });
      touched.push(progress);
    }
    this.tickets.set(id, touched);
    return { id };
  }

  /** Marks every position of a ticket as durably written by every sink. Acks may come out of order. */
  ack(ticket: PositionTicket): void {
    const touched = this.tickets.get(ticket.id);
    if (touched === undefined) throw new Error(`position ticket ${ticket.id} is unknown or already acknowledged`);
    this.tickets.delete(ticket.id);
    for (const progress of touched) {
      for (const span of progress.spans) if (span.ticket === ticket.id) span.acked = true;
      while (progress.spans[0]?.acked === true) progress.ackedThrough = progress.spans.shift()!.maxOffset;
    }
  }

  /** Records in flight (registered, not yet acknowledged) — used by tests and diagnostics. */
  get pendingTickets(): number {
    return this.tickets.size;
  }

  /**
   * Positions that can be committed now and were not committed before, given the state holds
   * (partition id → lowest offset an operator still holds). Marks them as committed.
   */
  takeCommittable(holds: ReadonlyMap<string, number>): SourcePosition[] {
    const result = this.peekCommittable(holds, []);
    for (const position of result) this.partitions.get(partitionId(position))!.lastCommitted = position.offset;
    return result;
  }

  /**
   * Like `takeCommittable` without marking anything committed; with `assumeAcked`, as if those tickets
   * were acknowledged too (what a transactional sink stores together with the tickets' data).
   */
  peekCommittable(holds: ReadonlyMap<string, number>, assumeAcked: readonly PositionTicket[]): SourcePosition[] {
    const assumed = new Set(assumeAcked.map((ticket) => ticket.id));
    const result: SourcePosition[] = [];
    for (const [id, progress] of this.partitions) {
      let ackedThrough = progress.ackedThrough;
      for (const span of progress.spans) {
        if (!span.acked && !assumed.has(span.ticket)) break;
        ackedThrough = span.maxOffset;
      }
      if (ackedThrough === undefined) continue;
      let offset = ackedThrough;
      const held = holds.get(id);
      if (held !== undefined && held - 1 < offset) offset = held - 1;
      // A hold of -Infinity pins the partition: state built from its whole history (no snapshots yet).
      if (!Number.isFinite(offset)) continue;
      if (progress.lastCommitted !== undefined && offset <= progress.lastCommitted) continue;
      result.push({ source: progress.source, partition: progress.partition, offset });
    }
    return result;
  }

  private partitionOf(position: SourcePosition): PartitionProgress {
    const id = partitionId(position);
    let progress = this.partitions.get(id);
    if (progress === undefined) {
      progress = { source: position.source, partition: position.partition, spans: [], ackedThrough: undefined, lastCommitted: undefined };
      this.partitions.set(id, progress);
    }
    return progress;
  }
}
