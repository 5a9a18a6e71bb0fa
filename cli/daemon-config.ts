import { z } from 'zod';
import { kafkaClientConfigSchema, kafkaSourceConfigSchema } from '../connectors/kafka/config.js';
import { ConfigError, type Topology } from '../engine/index.js';
import { findTopology, topologies } from '../topologies/index.js';
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
  /** `console`, `file`, a postgres:// URL, or a Postgres sink config object. */
  sinks: z.array(z.union([z.string().min(1), z.looseObject({ type: z.literal('postgres') })])).min(1),
  /** Folder of the `file` sink. */
  out: z.string().default('./cloudpulse-out'),
  deadLetter: z.union([z.strictObject({ topic: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })]),
  maxInFlightRecords: z.number().int().positive().default(100_000),
});

/** The `cloudpulse run --config <file>` configuration (YAML or JSON). */
export const daemonConfigSchema = z.strictObject({
  kafka: kafkaClientConfigSchema,
  metrics: z.union([z.literal(false), z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65_535).default(9478) })]).default({ host: '127.0.0.1', port: 9478 }),
  /** SIGTERM/SIGINT: how long draining (finish batches, flush sinks, commit, leave the group) may take. */
  drainTimeoutMs: z.number().int().positive().default(30_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  pipelines: z.array(pipelineSchema).min(1),
});

export type DaemonConfig = z.infer<typeof daemonConfigSchema>;
export type DaemonPipelineConfig = DaemonConfig['pipelines'][number];

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
    return { config: pipeline, topology, options };
  });
  return { config, pipelines };
}

/** Reads and validates a daemon config file. */
export async function loadDaemonConfig(path: string): Promise<{ config: DaemonConfig; pipelines: CheckedPipeline[] }> {
  return checkDaemonConfig(await readConfigFile(path));
}
