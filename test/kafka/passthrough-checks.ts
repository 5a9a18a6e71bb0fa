import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { expect } from 'vitest';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { EngineEvents, systemClock, type Topology } from '../../engine/index.js';
import type { TestDatabase } from '../postgres/test-database.js';

/** What these checks need of a database: the shared test server's or a restartable one's. */
export type Database = Pick<TestDatabase, 'query' | 'connect' | 'database'>;
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';

/** Creates a topology's output tables in the sink's schema (opening and closing a sink, as a first run would). */
export async function prepareSchema(url: string, topology: Topology): Promise<void> {
  const sink = createPostgresSink(url);
  await sink.open({ topology: topology.name, tables: topology.outputs, clock: systemClock, events: new EngineEvents() });
  await sink.close();
}

/**
 * Prepares `schema` for the passthrough topology with a trigger that counts every application of a row
 * (insert or update) in `<schema>.applied`, in the same transaction as the row.
 */
export async function preparePassthroughSchema(db: Database, url: string, schema: string): Promise<void> {
  await prepareSchema(url, kafkaPassthroughTopology);
  await db.query(`CREATE TABLE ${schema}.applied (p int NOT NULL, o bigint NOT NULL)`);
  await db.query(`CREATE FUNCTION ${schema}.count_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${schema}.applied VALUES (NEW.partition, NEW.offset); RETURN NULL; END $$`);
  await db.query(`CREATE TRIGGER count_apply AFTER INSERT OR UPDATE ON ${schema}.kafka_ticks_out FOR EACH ROW EXECUTE FUNCTION ${schema}.count_apply()`);
}

/** The sum over partitions of the positions stored for `pipeline` (+1 each): records durably applied. */
export async function storedRecords(db: Database, schema: string, pipelineName: string): Promise<number> {
  const [row] = await db.query<{ n: string }>(`SELECT coalesce(sum("offset" + 1), 0)::text AS n FROM ${schema}.cloudpulse_positions WHERE pipeline = $1`, [pipelineName]);
  return Number(row!.n);
}

/**
 * The passthrough run applied every Kafka record exactly once (each position once, by the trigger's count),
 * stored every non-empty partition's position at its log end, and its rows hold exactly the ticks of
 * `csvPath` (loaded by the server's own COPY, not by CloudPulse).
 */
export async function expectPassthroughExactlyOnce(db: Database, schema: string, pipelineName: string, ends: ReadonlyMap<number, number>, csvPath: string): Promise<void> {
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const [applied] = await db.query<{ total: string; distinct_positions: string; max_per_position: string }>(
    `SELECT count(*)::text AS total, count(DISTINCT (p, o))::text AS distinct_positions, coalesce(max(n), 0)::text AS max_per_position
       FROM (SELECT p, o, count(*) OVER (PARTITION BY p, o) AS n FROM ${schema}.applied) a`,
  );
  expect(applied).toEqual({ total: String(total), distinct_positions: String(total), max_per_position: '1' });
  const positions = await db.query<{ partition: string; offset: string }>(`SELECT partition, "offset"::text AS "offset" FROM ${schema}.cloudpulse_positions WHERE pipeline = $1`, [pipelineName]);
  expect(Object.fromEntries(positions.map((p) => [p.partition, Number(p.offset) + 1]))).toEqual(Object.fromEntries([...ends].filter(([, end]) => end > 0).map(([p, end]) => [String(p), end])));

  await db.query(`CREATE TABLE ${schema}.ticks_file (ts timestamptz, symbol text, price numeric, volume integer)`);
  const client = await db.connect();
  try {
    await pipeline(createReadStream(csvPath), client.query(copyFrom(`COPY ${schema}.ticks_file FROM STDIN (FORMAT csv, HEADER true)`)));
  } finally {
    await client.end();
  }
  const [diff] = await db.query<{ file_only: string; out_only: string }>(
    `SELECT (SELECT count(*) FROM (SELECT ts, symbol, price, volume FROM ${schema}.ticks_file EXCEPT ALL SELECT ts, symbol, price, volume FROM ${schema}.kafka_ticks_out) x)::text AS file_only,
            (SELECT count(*) FROM (SELECT ts, symbol, price, volume FROM ${schema}.kafka_ticks_out EXCEPT ALL SELECT ts, symbol, price, volume FROM ${schema}.ticks_file) x)::text AS out_only`,
  );
  expect(diff).toEqual({ file_only: '0', out_only: '0' });
}

/** Backends of the test database waiting for a lock (a daemon's write held by the test's `LOCK TABLE`). */
export async function waitingForLocks(db: Database): Promise<number> {
  const [row] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.database]);
  return Number(row!.n);
}
