import { basename, resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DeadLetterFileSink } from '../connectors/file/dead-letter-file-sink.js';
import { createKafkaClient } from '../connectors/kafka/create-kafka-client.js';
import { createValueDecoder } from '../connectors/kafka/decode-value.js';
import { KafkaDeadLetterSink } from '../connectors/kafka/kafka-dead-letter-sink.js';
import type { KafkaClientConfig } from '../connectors/kafka/config.js';
import type { KafkaLog } from '../connectors/kafka/kafka-log.js';
import { KafkaSource } from '../connectors/kafka/kafka-source.js';
import { EngineEvents, FencedError, PipelineRunner, type DeadLetterSink, type Row, type Source } from '../engine/index.js';
import { startMetricsEndpoint, type MetricsEndpoint } from '../metrics/index.js';
import { openFileSource, readFirstLines } from '../replay/index.js';
import { createSinks, type SinkTarget } from './create-sinks.js';
import type { CheckedPipeline, DaemonConfig } from './daemon-config.js';
import { runPostgresPipeline } from './daemon-postgres-pipeline.js';
import { valueToRowFor } from './daemon-row-builder.js';
import { ExitCode } from './exit-codes.js';

export interface DaemonRequest {
  readonly config: DaemonConfig;
  readonly pipelines: readonly CheckedPipeline[];
  readonly logger: Logger;
  /** Aborting drains every pipeline (finish batches, flush sinks, commit, leave the group). */
  readonly signal: AbortSignal;
  readonly events?: EngineEvents;
}

/**
 * The daemon: every configured pipeline (Kafka sources → topology → sinks, or a PostgreSQL source → the
 * migrate topology → sinks) runs until stopped, or until
 * its bounded inputs (`stopAt: end`) are done. Resolves with the exit code: 0 when everything stopped
 * cleanly (drained within the deadline, or bounded input done), 1 when a pipeline failed or the drain
 * overran `drainTimeoutMs`. A failing pipeline drains the others.
 */
export async function runDaemon(request: DaemonRequest): Promise<number> {
  const { config, logger } = request;
  const events = request.events ?? new EngineEvents();
  events.on((event) => {
    if (event.type === 'lifecycle') logger.info({ pipeline: event.topology, ...(event.reason === undefined ? {} : { reason: event.reason }) }, `pipeline ${event.state}`);
  });
  let metrics: MetricsEndpoint | undefined;
  if (config.metrics !== false) {
    metrics = await startMetricsEndpoint({ events, host: config.metrics.host, port: config.metrics.port });
    logger.info({ url: `${metrics.server.url}/metrics` }, 'metrics endpoint listening');
  }
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  request.signal.addEventListener('abort', onAbort, { once: true });
  if (request.signal.aborted) stop.abort();

  let drainDeadline: Promise<number> | undefined;
  stop.signal.addEventListener('abort', () => {
    logger.info({ deadlineMs: config.drainTimeoutMs }, 'draining');
    drainDeadline = new Promise((done) => setTimeout(() => done(ExitCode.Failed), config.drainTimeoutMs).unref());
  }, { once: true });

  const runs = request.pipelines.map((pipeline) =>
    runPipeline(pipeline, { ...config, kafka: config.kafka! }, logger.child({ pipeline: pipeline.config.name }), events, stop.signal).then(
      () => ExitCode.Ok as number,
      (error: unknown) => {
        logger.error({ pipeline: pipeline.config.name, error: error instanceof Error ? error.message : String(error) }, 'pipeline failed');
        stop.abort();
        return ExitCode.Failed as number;
      },
    ),
  );
  for (const pipeline of config.postgresPipelines) {
    runs.push(runPostgresPipeline(pipeline, logger.child({ pipeline: pipeline.name }), events, stop.signal, metrics?.registry).then(
      () => ExitCode.Ok as number,
      (error: unknown) => {
        logger.error({ pipeline: pipeline.name, error: error instanceof Error ? error.message : String(error) }, 'pipeline failed');
        stop.abort();
        return ExitCode.Failed as number;
      },
    ));
  }
  let allSettled = false;
  const all = Promise.all(runs).then((codes) => {
    allSettled = true;
    return Math.max(...codes);
  });
  let code = await Promise.race([all, new Promise<number>((done) => stop.signal.addEventListener('abort', () => void drainDeadline!.then(done), { once: true }))]);
  if (code !== ExitCode.Ok && !allSettled) logger.error({ deadlineMs: config.drainTimeoutMs }, 'drain did not finish within the deadline');
  else code = await all;
  request.signal.removeEventListener('abort', onAbort);
  await metrics?.close();
  logger.info({ exitCode: code }, 'stopped');
  return code;
}

/**
 * Runs one pipeline as a sequence of epochs: a rebalance that takes partitions the topology holds state
 * for ends the epoch (drain, flush, commit — like a stop) and the pipeline starts again with a fresh
 * topology on the same consumer, so the group membership survives and state is rebuilt from the
 * durable positions.
 */
async function runPipeline(pipeline: CheckedPipeline, config: DaemonConfig & { kafka: KafkaClientConfig }, logger: Logger, events: EngineEvents, signal: AbortSignal): Promise<void> {
  const { topology, options } = pipeline;
  const log: KafkaLog = (level, message, fields) => logger[level](fields, message);
  const kafka = createKafkaClient(config.kafka, log);
  let runner: PipelineRunner | undefined;
  let rebuild = false;
  const streams: Record<string, KafkaSource> = {};
  for (const [name, input] of Object.entries(pipeline.config.inputs)) {
    const spec = topology.inputs.find((i) => i.name === name)!;
    streams[name] = new KafkaSource({
      kafka,
      config: input,
      decoder: await createValueDecoder(input, `pipelines.${pipeline.config.name}.inputs.${name}`),
      toRow: valueToRowFor(spec, input.topic),
      log,
      onStateLost: () => {
        rebuild = true;
        runner?.stop();
      },
    });
  }
  const onAbort = (): void => runner?.stop();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (let epoch = 1; !signal.aborted; epoch++) {
      rebuild = false;
      runner = new PipelineRunner({
        topology,
        streams: streams as Record<string, Source<Row>>,
        tables: await tableSources(pipeline),
        sinks: createSinks(pipeline.config.sinks as SinkTarget[], { out: resolve(pipeline.config.out), format: 'csv', resume: true, pipeline: pipeline.config.name, kafkaBrokers: config.kafka.brokers, consumerGroups: consumerGroupsOf(pipeline) }),
        deadLetters: deadLetterSink(pipeline, kafka),
        options,
        events,
        maxInFlightRecords: pipeline.config.maxInFlightRecords,
      });
      if (epoch > 1) logger.info({ epoch }, 'pipeline restarting after a rebalance');
      const joinsBefore = Object.values(streams).map((source) => source.groupJoinCount());
      let summary;
      try {
        summary = await runner.run();
      } catch (error) {
        if (!(error instanceof FencedError)) throw error;
        // A rebalance moved a partition while its batch drained: the new owner fenced that write and makes it itself.
        if (rebuild) {
          logger.warn({ error: error.message }, 'a revoked partition was fenced while draining; restarting the pipeline');
          continue;
        }
        // Fenced before this member saw the rebalance (it was slow or frozen past its session): nothing of the
        // fenced write was applied; once the member has rejoined it knows its partitions and starts again.
        logger.warn({ error: error.message }, 'fenced by a newer owner of a partition; waiting for the rebalance');
        const timeoutMs = rejoinTimeoutMs(pipeline);
        if (await rejoinedGroup(streams, joinsBefore, timeoutMs, signal)) continue;
        throw new FencedError(`${error.message}; no rebalance followed within ${timeoutMs} ms, so another process writes this pipeline's partitions (two consumer groups with one pipeline name?)`, { cause: error, code: error.code });
      }
      logger.info({ recordsIn: summary.recordsIn, deadLettered: summary.deadLettered, late: summary.late, committed: summary.committed.length }, 'pipeline epoch ended');
      if (!rebuild) break;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    for (const source of Object.values(streams)) await source.shutdown();
  }
}

/** Long enough for the coordinator to expire a silent member and finish the rebalance that follows. */
function rejoinTimeoutMs(pipeline: CheckedPipeline): number {
  return Math.max(...Object.values(pipeline.config.inputs).map((input) => input.sessionTimeoutMs + input.rebalanceTimeoutMs));
}

/**
 * True once a source's member has joined its group again (a fence by another owner implies a rebalance),
 * or at once when the daemon is stopping; false when none did within `timeoutMs`.
 */
async function rejoinedGroup(streams: Record<string, KafkaSource>, joinsBefore: readonly number[], timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const rejoined = Promise.any(Object.values(streams).map((source, i) => source.nextGroupJoin(joinsBefore[i]!, timeoutMs).then((joined) => (joined ? true : Promise.reject(new Error('no rejoin'))))));
  const stopping = new Promise<boolean>((resolve) => {
    if (signal.aborted) resolve(true);
    signal.addEventListener('abort', () => resolve(true), { once: true });
  });
  return Promise.race([rejoined.catch(() => false), stopping]);
}

/** Input topic → its consumer group: a transactional Kafka sink commits these offsets in its transactions. */
function consumerGroupsOf(pipeline: CheckedPipeline): Record<string, string> {
  return Object.fromEntries(Object.values(pipeline.config.inputs).map((input) => [input.topic, input.groupId]));
}

function deadLetterSink(pipeline: CheckedPipeline, kafka: Kafka): DeadLetterSink {
  const target = pipeline.config.deadLetter;
  if ('topic' in target) return new KafkaDeadLetterSink(kafka, target.topic);
  return new DeadLetterFileSink(resolve(target.file), { append: true, fsync: true });
}

async function tableSources(pipeline: CheckedPipeline): Promise<Record<string, Source<Row>>> {
  const tables: Record<string, Source<Row>> = {};
  for (const [name, file] of Object.entries(pipeline.config.files)) {
    const spec = pipeline.topology.inputs.find((i) => i.name === name)!;
    const path = resolve(file);
    tables[name] = openFileSource({ files: [path], readOptions: spec.readOptions(basename(path), await readFirstLines(path, 8)) });
  }
  return tables;
}
