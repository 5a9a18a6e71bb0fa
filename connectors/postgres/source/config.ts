import { z } from 'zod';
import { postgresSinkConfigSchema } from '../config.js';

// Slot and publication names go into replication commands as identifiers; the server allows only these for slots.
const replicationName = z.string().regex(/^[a-z0-9_]{1,63}$/, 'lower-case letters, digits and _ only, at most 63 characters');

/**
 * Configuration of the PostgreSQL source: connection settings exactly as the sink's (url, separate
 * fields, `PG*` variables), the tables to read, and the replication slot and publication that carry
 * their changes.
 */
export const postgresSourceConfigSchema = z.strictObject({
  type: z.literal('postgres'),
  ...postgresSinkConfigSchema.pick({ url: true, host: true, port: true, user: true, password: true, database: true, applicationName: true, connectTimeoutMs: true }).shape,
  /** `schema.table` or `table` (schema `public`); each needs a primary key or an entry in `keys`. */
  tables: z.array(z.string().min(1)).min(1),
  /** Key columns for tables without a primary key, by table as written in `tables`. */
  keys: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  /** The logical replication slot (created when missing; it keeps WAL until the changes are acknowledged). */
  slot: replicationName,
  /** The publication of the selected tables (created when missing, its table list kept in step). */
  publication: replicationName,
  /** Read the tables once (a consistent snapshot) and stop: no slot, no publication, no change stream. */
  snapshotOnly: z.boolean().default(false),
  /** Rows per snapshot query (keyset pagination in primary-key order). */
  chunkRows: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Change events per batch at most. */
  batchRecords: z.number().int().min(1).default(1_000),
  /** How often the slot's retained WAL is measured and the server told our confirmed position. */
  statusIntervalMs: z.number().int().positive().default(10_000),
  /** Retained WAL above this logs a warning (the slot holds it until every sink has the changes). */
  retainedWalWarnBytes: z.number().int().positive().default(1024 * 1024 * 1024),
});

export type PostgresSourceConfig = z.infer<typeof postgresSourceConfigSchema>;
export type PostgresSourceConfigInput = z.input<typeof postgresSourceConfigSchema>;
