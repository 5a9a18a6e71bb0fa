import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../engine/index.js';

const timeSchema = z.union([z.number(), z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 time')]);

/** The replay configuration a file (YAML or JSON) or the command line gives. */
export const replayConfigSchema = z.strictObject({
  topology: z.string().min(1),
  data: z.string().min(1, 'must name the folder holding the input files'),
  files: z.record(z.string(), z.string()).default({}),
  options: z.record(z.string(), z.string()).default({}),
  speed: z.union([z.literal('max'), z.number().positive('must be > 0')]).default('max'),
  from: timeSchema.optional(),
  to: timeSchema.optional(),
  out: z.string().default('./cloudpulse-out'),
  format: z.enum(['csv', 'jsonl']).default('csv'),
  resume: z.boolean().default(false),
  ordering: z.enum(['file', 'event-time']).default('file'),
  progress: z.boolean().default(true),
  /**
   * `file`, `console`, a postgres:// or elasticsearch+http(s):// URL, a sink config file, or a sink config
   * object (connectors/postgres/config.ts, connectors/elasticsearch/config.ts, connectors/databricks/config.ts;
   * validated when the sink is built).
   */
  sinks: z.array(z.union([z.string().min(1), z.looseObject({ type: z.literal('postgres') }), z.looseObject({ type: z.literal('elasticsearch') }), z.looseObject({ type: z.literal('databricks') })])).default([]),
});

export type ReplayConfig = z.infer<typeof replayConfigSchema>;

/** Reads a YAML or JSON config file into a plain object; a syntax error names the file. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('config', `cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError('config', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('config', `${path} must hold an object`);
  return parsed as Record<string, unknown>;
}

/** Validates a config object; the first problem is thrown as a `ConfigError` naming the field's path. */
export function validateConfig<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const others = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
  throw new ConfigError(path, `${issue.message}${others}`);
}

/** Turns a config time (ISO text or epoch ms) into epoch ms. */
export function toEpochMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : Date.parse(value);
}
