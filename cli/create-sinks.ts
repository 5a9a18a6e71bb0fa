import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type Sink } from '../engine/index.js';
import { ConsoleSink } from '../connectors/console/console-sink.js';
import { FileSink } from '../connectors/file/file-sink.js';
import { createPostgresSink, isPostgresUrl } from '../connectors/postgres/create-postgres-sink.js';
import type { PostgresSinkConfigInput } from '../connectors/postgres/config.js';
import { createElasticsearchSink, isElasticsearchUrl } from '../connectors/elasticsearch/create-elasticsearch-sink.js';
import type { ElasticsearchSinkConfigInput } from '../connectors/elasticsearch/config.js';
import { createDatabricksSink, isDatabricksUrl } from '../connectors/databricks/create-databricks-sink.js';
import type { DatabricksSinkConfigInput } from '../connectors/databricks/config.js';
import { topologies } from '../topologies/index.js';
import type { KafkaSinkConfigInput } from '../connectors/kafka/config.js';
import { createKafkaSinkObject, createKafkaSinkTarget } from './daemon-kafka-sink-target.js';

/** One `--sink` value or `sinks:` config entry: `file`, `console`, a postgres:// or elasticsearch+http(s):// URL, a sink config file, or a sink config object. */
export type SinkTarget = string | PostgresSinkConfigInput | ElasticsearchSinkConfigInput | DatabricksSinkConfigInput | KafkaSinkConfigInput;

export interface SinkSettings {
  /** Output folder of the file sink. */
  readonly out: string;
  readonly format: 'csv' | 'jsonl';
  readonly resume: boolean;
  /** Name under which transactional sinks store positions when the target names none (default: the topology). */
  readonly pipeline?: string;
  /** Brokers for a `kafka://<topic>` target that names none (default `$CLOUDPULSE_KAFKA_BROKERS`). */
  readonly kafkaBrokers?: readonly string[];
  /** Input topic → consumer group of a `cloudpulse run` pipeline (a transactional Kafka sink commits their offsets). */
  readonly consumerGroups?: Readonly<Record<string, string>>;
  /** Where the Postgres, Elasticsearch and Databricks sinks log (default: they do not). */
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  /** Sinks that keep positions only when asked (Elasticsearch) keep them under `pipeline`: a change-data pipeline resumes from them. */
  readonly storePositions?: boolean;
}

/**
 * Builds the sinks of a replay (`file` writes `<out>/`). Every target is validated before anything
 * runs; a bad one names `sinks.<index>`.
 */
export function createSinks(targets: readonly SinkTarget[], settings: SinkSettings): Sink[] {
  return targets.map((given, index): Sink => {
    const fromFile = typeof given === 'string' && /\.(ya?ml|json)$/i.test(given);
    const path = fromFile ? `sinks.${index} (${String(given)})` : `sinks.${index}`;
    const target = fromFile ? readSinkFile(given as string, path) : given;
    const postgresOptions = { path, ...(settings.pipeline === undefined ? {} : { defaultPipeline: settings.pipeline }), ...(settings.logger === undefined ? {} : { logger: settings.logger }) };
    if (typeof target !== 'string' && target.type === 'databricks') return createDatabricksSink(target, postgresOptions);
    if (typeof target !== 'string' && target.type === 'kafka') return createKafkaSinkObject(target, path, { ...(settings.kafkaBrokers === undefined ? {} : { brokers: settings.kafkaBrokers }), ...(settings.pipeline === undefined ? {} : { pipeline: settings.pipeline }), ...(settings.consumerGroups === undefined ? {} : { consumerGroups: settings.consumerGroups }) });
    if (typeof target !== 'string') return target.type === 'elasticsearch' ? elasticsearchSink(target, path, settings) : createPostgresSink(target, postgresOptions);
    if (target === 'file') return new FileSink({ dir: settings.out, format: settings.format, resume: settings.resume, fsync: true });
    if (target === 'console') return new ConsoleSink(process.stdout);
    if (isPostgresUrl(target)) return createPostgresSink(target, postgresOptions);
    if (isElasticsearchUrl(target)) return elasticsearchSink(target, path, settings);
    if (isDatabricksUrl(target)) return createDatabricksSink(target, postgresOptions);
    if (target.startsWith('kafka://')) return createKafkaSinkTarget(target, path, settings.kafkaBrokers);
    throw new ConfigError(path, `unknown sink ${JSON.stringify(redact(target))}: use file, console, postgres://user@host:port/database, elasticsearch+http://host:port, databricks://token:<token>@host/<http path>, kafka://[host:port/]topic or a sink config file (.yaml/.json)`);
  });
}

/** An Elasticsearch sink whose table names (`tables`, `tableSettings`) all exist in some built-in topology. */
function elasticsearchSink(target: string | ElasticsearchSinkConfigInput, path: string, settings: SinkSettings): Sink {
  const { logger, pipeline } = settings;
  const positions = settings.storePositions === true ? { storePositions: true, ...(pipeline === undefined ? {} : { pipeline }) } : {};
  const sink = createElasticsearchSink(target, { path, ...(logger === undefined ? {} : { logger }), ...positions });
  const known = new Set(topologies.flatMap((t) => t.outputs.map((o) => o.name)));
  for (const { path: field, table } of sink.namedTables) {
    if (!known.has(table)) throw new ConfigError(field, `no built-in topology has a table ${JSON.stringify(table)} (see \`cloudpulse topologies <name>\`)`);
  }
  return sink;
}

/** `--sink <file>.yaml|.json`: one sink config object (e.g. `{ type: elasticsearch, … }`) kept in a file. */
function readSinkFile(file: string, path: string): SinkTarget {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `cannot read sink config ${file}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('type' in parsed)) throw new ConfigError(path, `${file} must hold one sink config object with a type`);
  return parsed as SinkTarget;
}

/** Never echo a password from a URL-shaped value back into an error. */
function redact(target: string): string {
  return target.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
