#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { join, resolve } from 'node:path';
import { ConfigError, EngineError, EngineEvents, formatPosition, type Topology } from '../engine/index.js';
import { DeadLetterFileSink } from '../connectors/file/dead-letter-file-sink.js';
import { ProgressReporter } from '../replay/index.js';
import { findTopology, topologies } from '../topologies/index.js';
import { createSinks, type SinkTarget } from './create-sinks.js';
import { runDemo } from './demo.js';
import { ExitCode } from './exit-codes.js';
import { readConfigFile, replayConfigSchema, toEpochMs, validateConfig } from './load-config.js';
import { runReplay } from './run-replay.js';
import { runDaemonCommand } from './run-daemon-command.js';
import { replayToKafkaCommand } from './daemon-replay-command.js';
import { describeTopology } from './describe-topology.js';
import { metricsFlagHelp, startCliMetrics, type MetricsFlags } from './metrics-option.js';
import { onStopSignals } from './stop-signals.js';
import { addMigrateCommand } from './migrate-command.js';

const program = new Command('cloudpulse')
  .description('Stream-first processing: one topology over live Kafka topics and replayed files.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('topologies')
  .description('list the built-in topologies, or describe one as a DAG')
  .argument('[name]', 'a topology to describe')
  .action((name?: string) => {
    if (name === undefined) {
      const width = Math.max(...topologies.map((t) => t.name.length));
      for (const topology of topologies) process.stdout.write(`${topology.name.padEnd(width)}  ${topology.description}\n`);
      return;
    }
    process.stdout.write(describeTopology(requireTopology(name)));
  });

program
  .command('replay')
  .description('replay files through a topology and write its tables')
  .argument('[topology]', 'the topology to run (see `cloudpulse topologies`)')
  .option('--config <file>', 'a YAML or JSON config file (flags override it)')
  .option('--data <dir>', 'folder holding the input files')
  .option('--file <input=name...>', 'read another file for an input (or just <name> for a topology with one stream input)')
  .option('--speed <max|N>', 'as fast as possible, or event time × N')
  .option('--from <time>', 'first event time to replay (ISO-8601)')
  .option('--to <time|kafka://topic>', 'event time to stop before (ISO-8601); or kafka://<topic>: replay the input into that topic instead (event times as Kafka timestamps)')
  .option('--out <dir>', 'output folder (default ./cloudpulse-out)')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']))
  .addOption(new Option('--ordering <ordering>', 'file order with bounded out-of-orderness, or sort by event time').choices(['file', 'event-time']))
  .option('--resume', 'continue an interrupted replay into the same --out folder')
  .option('--set <option=value...>', 'a topology option (see `cloudpulse topologies <name>`)')
  .option('--bar <size>', 'bar size for nvda (1m, 5m, 1h, 1d, 1w, 1mo)')
  .option('--symbol <symbol>', 'symbol for nvda when the input has none')
  .option('--sink <target...>', 'where rows go: file (the default, into --out), console, postgres://user@host:port/db[?schema=s], elasticsearch+http://host:port[?prefix=p], databricks://host/<http path>[?catalog=c&schema=s], kafka://[host:port/]topic, or a sink config file (.yaml/.json)')
  .option('--console', 'also print every output row as a JSON line')
  .option('--brokers <list>', 'Kafka brokers for --to kafka:// (default $CLOUDPULSE_KAFKA_BROKERS, else 127.0.0.1:9092)')
  .option('--partitions <n>', 'partitions of the topic when --to creates it (default 6)')
  .option('--key <field>', 'message key field for --to kafka:// (default the input\'s key, else symbol)')
  .option('--strict', 'exit with code 3 when any record was dead-lettered')
  .option('--no-progress', 'no progress output')
  .option('--metrics-host <host>', metricsFlagHelp.host)
  .option('--metrics-port <port>', metricsFlagHelp.port)
  .option('--no-metrics', metricsFlagHelp.off)
  .action(async (name: string | undefined, flags: ReplayFlags) => {
    process.exitCode = await replayCommand(name, flags);
  });

program
  .command('demo')
  .description('generate data for every built-in topology, replay it all, write ./cloudpulse-out/')
  .option('--out <dir>', 'output folder', './cloudpulse-out')
  .option('--scale <n>', 'how much data to generate (1 = a few seconds)', '1')
  .option('--seed <n>', 'generator seed', '42')
  .option('--sink <target...>', 'also write every run to postgres://…, elasticsearch+http://…, databricks://…, a sink config file (.yaml/.json) or console')
  .option('--metrics-host <host>', metricsFlagHelp.host)
  .option('--metrics-port <port>', metricsFlagHelp.port)
  .option('--no-metrics', metricsFlagHelp.off)
  .action(async (flags: { out: string; scale: string; seed: string; sink?: string[] } & MetricsFlags) => {
    const scale = Number(flags.scale);
    const seed = Number(flags.seed);
    if (!(scale > 0)) throw new ConfigError('scale', 'must be a number > 0');
    if (!Number.isInteger(seed)) throw new ConfigError('seed', 'must be an integer');
    const events = new EngineEvents();
    const metrics = await startCliMetrics(flags, events, process.stderr);
    try {
      process.exitCode = await runDemo({ out: resolve(flags.out), scale, seed, log: process.stdout, progress: process.stderr, events, sinks: flags.sink ?? [] });
    } finally {
      await metrics?.close();
    }
  });

program
  .command('run')
  .description('the daemon: consume Kafka topics through topologies into sinks until stopped (SIGTERM/SIGINT drain)')
  .requiredOption('--config <file>', 'a YAML or JSON daemon config (kafka, pipelines, metrics, drainTimeoutMs)')
  .action(async (flags: { config: string }) => {
    process.exitCode = await runDaemonCommand(flags.config);
  });

addMigrateCommand(program);

interface ReplayFlags extends MetricsFlags {
  config?: string;
  sink?: string[];
  data?: string;
  file?: string[];
  speed?: string;
  from?: string;
  to?: string;
  out?: string;
  format?: 'csv' | 'jsonl';
  ordering?: 'file' | 'event-time';
  resume?: boolean;
  set?: string[];
  bar?: string;
  symbol?: string;
  console?: boolean;
  strict?: boolean;
  progress: boolean;
  brokers?: string;
  partitions?: string;
  key?: string;
}

async function replayCommand(name: string | undefined, flags: ReplayFlags): Promise<number> {
  if (flags.to?.startsWith('kafka://') === true) return replayToKafkaCommand(name, flags);
  const fromFile = flags.config === undefined ? {} : await readConfigFile(flags.config);
  const options: Record<string, string> = { ...((fromFile.options as Record<string, string> | undefined) ?? {}) };
  for (const pair of flags.set ?? []) {
    const [key, value] = splitPair(pair, 'set');
    options[key] = value;
  }
  if (flags.bar !== undefined) options.bar = flags.bar;
  if (flags.symbol !== undefined) options.symbol = flags.symbol;

  const topologyName = name ?? (fromFile.topology as string | undefined);
  if (topologyName === undefined) throw new ConfigError('topology', 'name a topology (see `cloudpulse topologies`)');
  const topology = requireTopology(topologyName);
  const files: Record<string, string> = { ...((fromFile.files as Record<string, string> | undefined) ?? {}) };
  for (const entry of flags.file ?? []) {
    if (entry.includes('=')) {
      const [input, file] = splitPair(entry, 'file');
      files[input] = file;
    } else {
      const streams = topology.inputs.filter((input) => input.kind === 'stream');
      if (streams.length !== 1) throw new ConfigError('file', `${topology.name} has ${streams.length} stream inputs: write --file <input>=<name>`);
      files[streams[0]!.name] = entry;
    }
  }
  const config = validateConfig(replayConfigSchema, {
    ...fromFile,
    topology: topology.name,
    ...(flags.data === undefined ? {} : { data: flags.data }),
    ...(flags.speed === undefined ? {} : { speed: flags.speed === 'max' ? 'max' : Number(flags.speed) }),
    ...(flags.from === undefined ? {} : { from: flags.from }),
    ...(flags.to === undefined ? {} : { to: flags.to }),
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(flags.format === undefined ? {} : { format: flags.format }),
    ...(flags.ordering === undefined ? {} : { ordering: flags.ordering }),
    ...(flags.resume === undefined ? {} : { resume: flags.resume }),
    ...(flags.progress ? {} : { progress: false }),
    files,
    options,
  });

  const out = resolve(config.out);
  const events = new EngineEvents();
  const progress = config.progress ? new ProgressReporter(process.stderr, { label: topology.name }) : undefined;
  if (progress !== undefined) events.on((event) => progress.onEvent(event));
  const stop = onStopSignals();
  const targets: SinkTarget[] = [...(flags.sink ?? (config.sinks as SinkTarget[]))];
  if (targets.length === 0) targets.push('file');
  if (flags.console === true) targets.push('console');
  const sinks = createSinks(targets, { out, format: config.format, resume: config.resume });
  const writesFiles = sinks.some((sink) => sink.name === 'file');
  const metrics = await startCliMetrics(flags, events, process.stderr);
  const result = await runReplay({
    topology,
    dataDir: resolve(config.data),
    files: config.files,
    options: config.options,
    sinks,
    deadLetterSink: new DeadLetterFileSink(join(out, 'dead_letter.csv'), { append: config.resume, fsync: true }),
    speed: config.speed,
    ordering: config.ordering,
    events,
    signal: stop.signal,
    ...(config.from === undefined ? {} : { from: toEpochMs(config.from)! }),
    ...(config.to === undefined ? {} : { to: toEpochMs(config.to)! }),
  }).finally(async () => {
    progress?.finish();
    stop.dispose();
    await metrics?.close();
  });

  const seconds = result.elapsedMs / 1000;
  process.stdout.write(`${topology.name}: ${result.recordsIn} records in ${seconds.toFixed(2)} s (${Math.round(result.recordsIn / Math.max(seconds, 1e-3))} records/s)\n`);
  const sinkNames = sinks.map((sink) => sink.name).join(', ');
  for (const [table, rows] of Object.entries(result.rowsOut)) {
    process.stdout.write(`  ${table}: ${rows} rows written → ${writesFiles ? join(out, `${table}.${config.format}`) : sinkNames}\n`);
  }
  const byReason = new Map<string, number>();
  for (const letter of result.deadLetters) byReason.set(letter.reason, (byReason.get(letter.reason) ?? 0) + 1);
  for (const [reason, count] of byReason) process.stdout.write(`  dead letters (${reason}): ${count} → ${join(out, 'dead_letter.csv')}\n`);
  if (result.late > 0) process.stdout.write(`  late records: ${result.late}\n`);
  const first = result.deadLetters[0];
  if (first !== undefined) process.stdout.write(`  first dead letter: ${formatPosition(first.position)} ${first.reason}: ${first.detail}\n`);
  if (result.stoppedEarly) {
    process.stdout.write(`  stopped before the end of input; continue with --resume\n`);
    return ExitCode.Interrupted;
  }
  return flags.strict === true && result.deadLetters.length > 0 ? ExitCode.DeadLetters : ExitCode.Ok;
}

function splitPair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new ConfigError(flag, `expected <name>=<value>, got ${JSON.stringify(pair)}`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function requireTopology(name: string): Topology {
  const topology = findTopology(name);
  if (topology === undefined) throw new ConfigError('topology', `unknown topology ${JSON.stringify(name)} (known: ${topologies.map((t) => t.name).join(', ')})`);
  return topology;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else if (error instanceof ConfigError) {
    process.stderr.write(`cloudpulse: invalid configuration: ${error.message}\n`);
    process.exitCode = ExitCode.Usage;
  } else if (error instanceof EngineError) {
    process.stderr.write(`cloudpulse: ${error.code}: ${error.message}\n`);
    process.exitCode = ExitCode.Failed;
  } else {
    process.stderr.write(`cloudpulse: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.Failed;
  }
}
