import { resolve } from 'node:path';
import { ConfigError } from '../engine/index.js';
import { parseSpeed } from '../replay/index.js';
import { findTopology, topologies } from '../topologies/index.js';
import { replayToKafka } from './daemon-replay-to-kafka.js';
import { ExitCode } from './exit-codes.js';
import { toEpochMs } from './load-config.js';
import { onStopSignals } from './stop-signals.js';

/** The flags of `cloudpulse replay … --to kafka://<topic>` it reads. */
export interface ReplayToKafkaFlags {
  readonly to?: string;
  readonly brokers?: string;
  readonly partitions?: string;
  readonly key?: string;
  readonly data?: string;
  readonly file?: string[];
  readonly speed?: string;
  readonly from?: string;
}

/** `kafka://<topic>` or `kafka://<host:port,…>/<topic>` → brokers (may be empty) and topic. */
export function parseKafkaTarget(target: string): { brokers: string[]; topic: string } {
  const match = /^kafka:\/\/(?:([^/]+)\/)?([A-Za-z0-9._-]+)$/.exec(target);
  if (match === null) throw new ConfigError('to', `expected kafka://<topic> or kafka://<host:port>/<topic>, got ${JSON.stringify(target)}`);
  return { brokers: match[1] === undefined ? [] : match[1].split(','), topic: match[2]! };
}

/** Runs `replay <topology> --to kafka://<topic>`; resolves with the exit code. */
export async function replayToKafkaCommand(name: string | undefined, flags: ReplayToKafkaFlags): Promise<number> {
  const { brokers: inTarget, topic } = parseKafkaTarget(flags.to ?? '');
  const brokers = inTarget.length > 0 ? inTarget : (flags.brokers ?? process.env['CLOUDPULSE_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (name === undefined) throw new ConfigError('topology', 'name a topology (see `cloudpulse topologies`)');
  const topology = findTopology(name);
  if (topology === undefined) throw new ConfigError('topology', `unknown topology ${JSON.stringify(name)} (known: ${topologies.map((t) => t.name).join(', ')})`);
  if (flags.data === undefined) throw new ConfigError('data', 'name the folder holding the input files');
  const partitions = flags.partitions === undefined ? 6 : Number(flags.partitions);
  if (!Number.isInteger(partitions) || partitions < 1) throw new ConfigError('partitions', 'must be a positive integer');
  const fileFlag = flags.file?.[0];
  const [input, file] = fileFlag === undefined ? [undefined, undefined] : fileFlag.includes('=') ? [fileFlag.slice(0, fileFlag.indexOf('=')), fileFlag.slice(fileFlag.indexOf('=') + 1)] : [undefined, fileFlag];
  const speed = flags.speed === undefined ? 'max' : parseSpeed(flags.speed);
  const stop = onStopSignals();
  const started = Date.now();
  try {
    const result = await replayToKafka({
      topology,
      dataDir: resolve(flags.data),
      ...(input === undefined ? {} : { input }),
      ...(file === undefined ? {} : { file }),
      topic,
      brokers,
      speed,
      partitions,
      ...(flags.key === undefined ? {} : { key: flags.key }),
      ...(flags.from === undefined ? {} : { from: toEpochMs(flags.from)! }),
      log: (level, message, fields) => {
        if (level === 'warn' || level === 'error') process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
      },
      signal: stop.signal,
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${topology.name}: ${result.produced} records → kafka topic ${topic} in ${seconds.toFixed(2)} s (key ${result.keyField ?? 'none'})\n`);
    if (result.deadLetters.length > 0) process.stdout.write(`  not produced (unreadable rows): ${result.deadLetters.length}, first at line ${result.deadLetters[0]!.position.offset}: ${result.deadLetters[0]!.detail}\n`);
    return stop.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
  } finally {
    stop.dispose();
  }
}
