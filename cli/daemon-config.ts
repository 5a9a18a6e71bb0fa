import { z } from 'zod';
import { kafkaClientConfigSchema, kafkaSinkConfigSchema, kafkaSourceConfigSchema } from '../connectors/kafka/config.js';
import { ConfigError, type Topology } from '../engine/index.js';
import { findTopology, topologies } from '../topologies/index.js';
import { postgresPipelineSchema, type PostgresPipelineConfig } from './daemon-postgres-pipeline.js';
import { readConfigFile, validateConfig } from './load-config.js';
import { resolveOptions } from './run-replay.js';

const pipelineSchema = z.strictObject({
  /** Names the consumer-group member's work in logs and metrics, and the positions a transactional sink stores. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  topology: z.string().min(1),
  options: z.record(z.string(), z.string()).default({}),
  /** One Kafka source per stream input of the topology, by input name. */
  inputs: z.record(z.string(), kafkaSourceConfigSchema),
  /** Table inputs (read whole before the streams start) from files. */
  files: z.record(z.string(), z.string().min(1)).default({}),
  /** `console`, `file`, a postgres:// or kafka:// URL, a Postgres sink config object, or a Kafka one (`transactional: true`: Kafka → Kafka exactly-once). */
  sinks: z.array(z.union([z.string().min(1), z.looseObject({ type: z.literal('postgres') }), kafkaSinkConfigSchema])).min(1),
  /** Folder of the `file` sink. */
  out: z.string().default('./cloudpulse-out'),
  deadLetter: z.union([z.strictObject({ topic: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })]),
  maxInFlightRecords: z.number().int().positive().default(100_000),
});

/** A pipeline with a `source` reads PostgreSQL; the others read Kafka. Each is checked by its own schema, so a problem names its field. */
const pipelineEntrySchema = z.unknown().transform((value, ctx): z.infer<typeof pipelineSchema> | PostgresPipelineConfig => {
  const postgres = typeof value === 'object' && value !== null && 'source' in value;
  const result = postgres ? postgresPipelineSchema.safeParse(value) : pipelineSchema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
  return z.NEVER;
});

/** The `cloudpulse run --config <file>` configuration (YAML or JSON). */
export const daemonConfigSchema = z.strictObject({
  /** Needed by pipelines that read or write Kafka. */
  kafka: kafkaClientConfigSchema.optional(),
  metrics: z.union([z.literal(false), z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65_535).default(9478) })]).default({ host: '127.0.0.1', port: 9478 }),
  /** SIGTERM/SIGINT: how long draining (finish batches, flush sinks, commit, leave the group) may take. */
  drainTimeoutMs: z.number().int().positive().default(30_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  pipelines: z.array(pipelineEntrySchema).min(1),
}).transform(({ pipelines, ...config }) => ({
  ...config,
  /** The pipelines that read Kafka. */
  pipelines: pipelines.filter((p): p is z.infer<typeof pipelineSchema> => !('source' in p)),
  /** The pipelines that read PostgreSQL (`source: {type: postgres, …}`). */
  postgresPipelines: pipelines.filter((p): p is PostgresPipelineConfig => 'source' in p),
}));

export type DaemonConfig = z.infer<typeof daemonConfigSchema>;
export type DaemonPipelineConfig = z.infer<typeof pipelineSchema>;

/** A pipeline's config with its topology resolved and its options validated. */
export interface CheckedPipeline {
  readonly config: DaemonPipelineConfig;
  readonly topology: Topology;
  readonly options: Record<string, string>;
}

/**
 * Validates a daemon config completely before anything connects: the schema (unknown keys, bad values),
 * then per pipeline the topology name, its options, one Kafka source per stream input and a file per
 * table input. The first problem is a `ConfigError` naming its path (`pipelines.0.inputs.prices.topic`).
 */
export function checkDaemonConfig(input: unknown): { config: DaemonConfig; pipelines: CheckedPipeline[] } {
  const config = validateConfig(daemonConfigSchema, input);
  const names = new Set<string>();
  for (const pipeline of config.postgresPipelines) {
    if (names.has(pipeline.name)) throw new ConfigError('pipelines', `two pipelines are named ${pipeline.name}`);
    names.add(pipeline.name);
  }
  if (config.pipelines.length > 0 && config.kafka === undefined) throw new ConfigError('kafka', 'pipelines that read Kafka topics need the kafka client settings (brokers)');
  const pipelines = config.pipelines.map((pipeline, index): CheckedPipeline => {
    const path = `pipelines.${index}`;
    if (names.has(pipeline.name)) throw new ConfigError(`${path}.name`, `two pipelines are named ${pipeline.name}`);
    names.add(pipeline.name);
    const topology = findTopology(pipeline.topology);
    if (topology === undefined) throw new ConfigError(`${path}.topology`, `unknown topology ${JSON.stringify(pipeline.topology)} (known: ${topologies.map((t) => t.name).join(', ')})`);
    let options: Record<string, string>;
    try {
      options = resolveOptions(topology, pipeline.options);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`${path}.${error.path}`, error.message.slice(error.path.length + 2));
      throw error;
    }
    for (const input of topology.inputs) {
      if (input.kind === 'stream' && pipeline.inputs[input.name] === undefined) throw new ConfigError(`${path}.inputs.${input.name}`, `${topology.name} reads stream input ${input.name}: give its Kafka topic`);
      if (input.kind === 'table' && pipeline.files[input.name] === undefined) throw new ConfigError(`${path}.files.${input.name}`, `${topology.name} reads table input ${input.name}: give its file`);
    }
    for (const name of [...Object.keys(pipeline.inputs), ...Object.keys(pipeline.files)]) {
      const input = topology.inputs.find((i) => i.name === name);
      const field = Object.hasOwn(pipeline.inputs, name) ? 'inputs' : 'files';
      if (input === undefined) throw new ConfigError(`${path}.${field}.${name}`, `${topology.name} has no input ${name} (inputs: ${topology.inputs.map((i) => i.name).join(', ')})`);
      if (field === 'inputs' && input.kind !== 'stream') throw new ConfigError(`${path}.inputs.${name}`, `${name} is a table input: give it under files`);
    }
    checkTransactionalSinks(pipeline, path);
    return { config: pipeline, topology, options };
  });
  return { config, pipelines };
}

/** A transactional Kafka sink commits the inputs' offsets: one per pipeline, never writing to its own input. */
function checkTransactionalSinks(pipeline: DaemonPipelineConfig, path: string): void {
  let transactional: number | undefined;
  pipeline.sinks.forEach((sink, index) => {
    if (typeof sink === 'string' || sink.type !== 'kafka' || !('transactional' in sink) || sink.transactional !== true) return;
    if (transactional !== undefined) throw new ConfigError(`${path}.sinks.${index}`, `sinks.${transactional} already commits this pipeline's offsets: at most one transactional Kafka sink per pipeline`);
    transactional = index;
    const topic = 'topic' in sink ? String(sink.topic) : '';
    const input = Object.entries(pipeline.inputs).find(([, config]) => config.topic === topic || ('topicPerTable' in sink && sink.topicPerTable === true && topic.startsWith(`${config.topic}.`)));
    if (input !== undefined) throw new ConfigError(`${path}.sinks.${index}.topic`, `${topic} is the topic of input ${input[0]}: a pipeline must not read its own output`);
  });
}

/** Reads and validates a daemon config file. */
export async function loadDaemonConfig(path: string): Promise<{ config: DaemonConfig; pipelines: CheckedPipeline[] }> {
  return checkDaemonConfig(await readConfigFile(path));
}
