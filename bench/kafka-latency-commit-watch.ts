import pg from 'pg';
import { quoteIdentifier } from '../connectors/postgres/quote-identifier.js';

/** A position row the sink changed, seen when the transaction that changed it committed. */
export interface ObservedCommit {
  readonly partition: number;
  readonly offset: number;
  /** Wall-clock ms at which the notification reached us: at or after the commit. */
  readonly seenAt: number;
}

const CHANNEL = 'cloudpulse_bench_commits';

/**
 * Observes, from a connection of its own, when the Postgres sink commits source positions: a trigger on
 * `<schema>.cloudpulse_positions` sends a NOTIFY per position row, and PostgreSQL delivers a NOTIFY only
 * when its transaction commits, so its arrival time is the commit time plus delivery (an upper bound).
 * The table must exist (the sink creates it at open).
 */
export class CommitWatch {
  readonly commits: ObservedCommit[] = [];
  private client: pg.Client | undefined;

  constructor(private readonly url: string, private readonly schema: string, private readonly source: string) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    // A server going away ends the watch; the run's own checks report what was missed.
    client.on('error', () => undefined);
    await client.connect();
    this.client = client;
    const schema = quoteIdentifier(this.schema);
    await client.query(
      `CREATE OR REPLACE FUNCTION ${schema}.bench_notify_position() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_notify('${CHANNEL}', NEW.source || ' ' || NEW.partition || ' ' || NEW."offset"); RETURN NULL; END $$`,
    );
    await client.query(`DROP TRIGGER IF EXISTS bench_notify_position ON ${schema}.cloudpulse_positions`);
    await client.query(`CREATE TRIGGER bench_notify_position AFTER INSERT OR UPDATE ON ${schema}.cloudpulse_positions FOR EACH ROW EXECUTE FUNCTION ${schema}.bench_notify_position()`);
    client.on('notification', (message) => {
      const seenAt = Date.now();
      const [source, partition, offset] = (message.payload ?? '').split(' ');
      if (source === this.source) this.commits.push({ partition: Number(partition), offset: Number(offset), seenAt });
    });
    await client.query(`LISTEN ${CHANNEL}`);
  }

  /** The highest committed offset seen per partition. */
  committedThrough(): Map<number, number> {
    const through = new Map<number, number>();
    for (const { partition, offset } of this.commits) if (offset > (through.get(partition) ?? -1)) through.set(partition, offset);
    return through;
  }

  async stop(): Promise<void> {
    await this.client?.end();
    this.client = undefined;
  }
}
