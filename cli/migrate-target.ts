import type { Logger } from 'pino';
import { isDatabricksUrl } from '../connectors/databricks/create-databricks-sink.js';
import { isElasticsearchUrl } from '../connectors/elasticsearch/create-elasticsearch-sink.js';
import { isPostgresUrl } from '../connectors/postgres/create-postgres-sink.js';
import { ConfigError, type Sink } from '../engine/index.js';
import { createSinks } from './create-sinks.js';

/** What `--to` of `cloudpulse migrate` accepts. */
export const MIGRATE_TARGETS = 'postgres://user@host:port/database[?schema=s], elasticsearch+http(s)://host:port[?prefix=p], databricks://token:<token>@host/<http path>[?schema=s]';

/**
 * Checks `--to` at start: a Postgres, Elasticsearch or Databricks URL (the sinks that create their tables
 * or indices from the source's columns and apply deletes), else a `ConfigError` naming `to`.
 */
export function checkMigrateTarget(to: string): void {
  if (!isPostgresUrl(to) && !isElasticsearchUrl(to) && !isDatabricksUrl(to)) {
    throw new ConfigError('to', `expected one of ${MIGRATE_TARGETS}`);
  }
}

/**
 * The migration's sink, built by the same code as `--sink` (cli/create-sinks.ts): positions are stored
 * under `pipeline` by the sinks that keep them (Postgres, Databricks, Elasticsearch). A bad URL fails here naming `to`.
 */
export function createMigrateSink(to: string, pipeline: string, logger?: Pick<Logger, 'info' | 'warn'>): Sink {
  checkMigrateTarget(to);
  try {
    return createSinks([to], { out: '.', format: 'csv', resume: true, pipeline, storePositions: true, ...(logger === undefined ? {} : { logger }) })[0]!;
  } catch (error) {
    // createSinks names the entry `sinks.0`; here it is the --to option.
    if (error instanceof ConfigError && error.path.startsWith('sinks.0')) {
      throw new ConfigError(`to${error.path.slice('sinks.0'.length)}`, error.message.slice(error.path.length + 2), { cause: error });
    }
    throw error;
  }
}
