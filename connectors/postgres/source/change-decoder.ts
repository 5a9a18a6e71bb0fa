import type { Pgoutput } from 'pg-logical-replication';
import { rowKey, type Cell, type DeadLetter, type Row, type StreamRecord } from '../../../engine/index.js';
import { markTable } from './change-row.js';
import { CellConversionError } from './column-mapping.js';
import { parseLsn } from './lsn.js';
import type { SourceColumn, SourceTable } from './table-catalog.js';

/** The partition of the change stream's positions; offsets are commit LSNs. */
export const WAL_PARTITION = 'wal';

interface Change {
  readonly table: SourceTable;
  readonly op: 'upsert' | 'delete';
  readonly row: Record<string, Cell>;
  /** The WAL position of the change's own message (see `decode`). */
  readonly version: number | undefined;
}

interface RelationState {
  readonly table: SourceTable;
  readonly columns: ReadonlyMap<string, SourceColumn>;
}

/** What the decoder needs from its source. */
export interface ChangeDecoderContext {
  readonly source: string;
  deadLetter(letter: DeadLetter): void;
  warn(message: string): void;
}

/**
 * Turns pgoutput messages into the source's records: inserts and updates become upserts of the new
 * row, deletes become deletes carrying the key, an update that changes the key becomes a delete of
 * the old key followed by the new row. Event time is the transaction's commit time.
 *
 * Positions: offset = commit LSN means "every transaction committed at or before it is applied". Only
 * a transaction's last change carries its commit LSN (it is held back until the Commit message); the
 * changes before it carry the previous commit's LSN, so a batch boundary inside a transaction never
 * lets a commit skip the transaction's remaining changes (a restart replays it whole; sinks are idempotent).
 */
export class ChangeDecoder {
  private readonly bySelector = new Map<string, SourceTable>();
  private readonly relations = new Map<number, RelationState | null>();
  private readonly warned = new Set<string>();
  private transaction: { commitLsn: number; commitTime: number } | undefined;
  private held: Change | undefined;
  private committed: number;
  private messageLsn: number | undefined;

  constructor(tables: readonly SourceTable[], private readonly ctx: ChangeDecoderContext, lastCommit: number) {
    for (const table of tables) this.bySelector.set(`${table.schema}.${table.name}`, table);
    this.committed = lastCommit;
  }

  /** The commit LSN of the last transaction whose changes were all handed out. */
  get lastCommit(): number {
    return this.committed;
  }

  /** True between a Begin and its Commit, or while a change is held back. */
  get inTransaction(): boolean {
    return this.transaction !== undefined || this.held !== undefined;
  }

  /** The selected table a Relation message describes, if it is one. */
  tableOf(relation: Pgoutput.MessageRelation): SourceTable | undefined {
    return this.bySelector.get(`${relation.schema}.${relation.name}`);
  }

  /** Decodes the table's changes with its columns as `table` has them (after it gained columns). */
  replaceTable(table: SourceTable): void {
    this.bySelector.set(`${table.schema}.${table.name}`, table);
  }

  /** Forgets a transaction cut off by a lost connection: the server sends it again from its Begin. */
  reset(): void {
    this.transaction = undefined;
    this.held = undefined;
  }

  /**
   * Decodes one message; returns the records it completes, in order. `lsn` is the message's WAL position
   * (the XLogData start: for a change, its own WAL record), the records' `version`: one row's changes are
   * serialized by the row lock (and the key's unique index), so its versions rise in commit order.
   */
  decode(message: Pgoutput.Message, lsn?: number): StreamRecord<Row>[] {
    this.messageLsn = lsn;
    switch (message.tag) {
      case 'begin':
        this.transaction = { commitLsn: parseLsn(message.commitLsn ?? '0/0'), commitTime: Number(BigInt(message.commitTime as bigint) / 1000n) };
        return [];
      case 'relation':
        this.onRelation(message);
        return [];
      case 'insert':
        return this.changes(message.relation, (state, at) => [this.upsert(state, message.new, at)]);
      case 'update':
        return this.changes(message.relation, (state, at) => this.update(state, message, at));
      case 'delete':
        return this.changes(message.relation, (state, at) => {
          const old = message.key ?? message.old;
          return old === null ? [] : [this.deleteOf(state, old, at)];
        });
      case 'truncate':
        for (const relation of message.relations) {
          const state = this.relations.get(relation.relationOid);
          if (state === undefined || state === null) continue;
          this.ctx.deadLetter({
            position: this.position(this.transaction?.commitLsn ?? this.committed),
            reason: 'unsupported_change',
            detail: `TRUNCATE of ${state.table.schema}.${state.table.name} is not replicated: empty the target table by hand`,
          });
        }
        return [];
      case 'commit': {
        const commitLsn = message.commitLsn === null ? (this.transaction?.commitLsn ?? this.committed) : parseLsn(message.commitLsn);
        const out: StreamRecord<Row>[] = [];
        if (this.held !== undefined) out.push(this.record(this.held, commitLsn));
        this.held = undefined;
        this.transaction = undefined;
        if (commitLsn > this.committed) this.committed = commitLsn;
        return out;
      }
      default:
        return [];
    }
  }

  private onRelation(message: Pgoutput.MessageRelation): void {
    const table = this.bySelector.get(`${message.schema}.${message.name}`);
    if (table === undefined) {
      this.relations.set(message.relationOid, null);
      return;
    }
    const known = new Map(table.columns.map((c) => [c.name, c]));
    for (const column of message.columns) {
      if (known.has(column.name) || this.warned.has(`${table.name}.${column.name}`)) continue;
      this.warned.add(`${table.name}.${column.name}`);
      this.ctx.warn(`column ${column.name} of ${table.schema}.${table.name} appeared after the migration started and could not be added to the output table: its values are not copied`);
    }
    // Only the columns the message names: a dropped column is absent from the changes that follow.
    const present = new Map(message.columns.filter((c) => known.has(c.name)).map((c) => [c.name, known.get(c.name)!]));
    this.relations.set(message.relationOid, { table, columns: present });
  }

  /** Runs `make` for a change of a selected table, releasing the held change first. */
  private changes(relation: Pgoutput.MessageRelation, make: (state: RelationState, at: number) => (Change | undefined)[]): StreamRecord<Row>[] {
    const state = this.relations.get(relation.relationOid);
    if (state === undefined || state === null) return [];
    const at = this.transaction?.commitLsn ?? this.committed;
    const out: StreamRecord<Row>[] = [];
    for (const change of make(state, at)) {
      if (change === undefined) continue;
      if (this.held !== undefined) out.push(this.record(this.held, this.committed));
      this.held = change;
    }
    return out;
  }

  private update(state: RelationState, message: Pgoutput.MessageUpdate, at: number): (Change | undefined)[] {
    const next = this.upsert(state, message.new, at);
    const old = message.key ?? message.old;
    if (old === null || next === undefined) return [next];
    const keyChanged = state.table.key.some((k) => old[k] !== undefined && old[k] !== message.new[k]);
    return keyChanged ? [this.deleteOf(state, old, at), next] : [next];
  }

  private upsert(state: RelationState, tuple: Record<string, unknown>, at: number): Change | undefined {
    const row = this.cells(state, tuple, state.columns.values(), at);
    return row === undefined ? undefined : { table: state.table, op: 'upsert', row, version: this.messageLsn };
  }

  private deleteOf(state: RelationState, tuple: Record<string, unknown>, at: number): Change | undefined {
    const keyColumns = state.table.key.map((k) => state.columns.get(k)!);
    const row = this.cells(state, tuple, keyColumns, at);
    return row === undefined ? undefined : { table: state.table, op: 'delete', row, version: this.messageLsn };
  }

  /** The cells of a tuple (raw text from the replication stream); undefined after dead-lettering it. */
  private cells(state: RelationState, tuple: Record<string, unknown>, columns: Iterable<SourceColumn>, at: number): Record<string, Cell> | undefined {
    const row: Record<string, Cell> = {};
    for (const column of columns) {
      const value = tuple[column.name];
      if (value === null) {
        row[column.name] = null;
        continue;
      }
      if (typeof value !== 'string') {
        const detail = value === undefined
          ? `${state.table.schema}.${state.table.name}: the update left column ${column.name} unchanged and stored out of line (TOAST), so the change does not carry its value; run ALTER TABLE ${state.table.qualified} REPLICA IDENTITY FULL`
          : `${state.table.schema}.${state.table.name}: column ${column.name} arrived in binary form`;
        this.ctx.deadLetter({ position: this.position(at), reason: 'decode_error', detail, field: column.name, raw: safeJson(tuple) });
        return undefined;
      }
      try {
        row[column.name] = column.mapping.convert(value);
      } catch (error) {
        const detail = error instanceof CellConversionError ? error.message : `cannot read ${column.type.name}: ${String(error)}`;
        this.ctx.deadLetter({ position: this.position(at), reason: 'decode_error', detail: `${state.table.schema}.${state.table.name}: ${detail}`, field: column.name, raw: safeJson(tuple) });
        return undefined;
      }
    }
    return row;
  }

  private record(change: Change, offset: number): StreamRecord<Row> {
    return {
      value: markTable(change.row, change.table.name),
      eventTime: this.transaction?.commitTime ?? 0,
      key: rowKey(change.table.spec, change.row),
      position: this.position(offset),
      ...(change.op === 'delete' ? { op: 'delete' as const } : {}),
      ...(change.version === undefined ? {} : { version: change.version }),
    };
  }

  private position(offset: number): StreamRecord<Row>['position'] {
    return { source: this.ctx.source, partition: WAL_PARTITION, offset };
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
