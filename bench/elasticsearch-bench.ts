import { Client } from '@elastic/elasticsearch';
import { Pool } from 'undici';
import { createElasticsearchSink } from '../connectors/elasticsearch/create-elasticsearch-sink.js';
import { tableMappings } from '../connectors/elasticsearch/index-mappings.js';
import { loadavg } from 'node:os';
import { EngineEvents, MemoryDeadLetterSink, PipelineRunner, systemClock, type Cell, type Row, type Sink, type StreamRecord, type TableRow, type TableSpec } from '../engine/index.js';
import { benchTable, generateRows } from './bar-rows.js';
import { inputBatches, passthroughTopology, ResumableSource } from '../test/conformance/conformance-topology.js';
import { elasticsearch } from '../test/services/elasticsearch/elasticsearch.js';
import { residentBytes, serverProcesses } from '../test/services/process-group.js';

// N generated bar-shaped documents (text + timestamp key, doubles, longs, a date, a boolean) into a fresh
// index through the Elasticsearch sink driven by the pipeline runner (source batches of 1,000 rows), and the
// same documents as NDJSON serialised before the clock starts, POSTed to `_bulk` with undici: the same
// documents per request and the same requests in flight. One Elasticsearch node started for the run, warmed
// first (its JIT and merges swing figures 2–4× here); the contenders alternate (raw first in odd rounds, the
// sink first in even ones), each into a fresh index, and their medians are compared. The raw loop's index is
// created before its clock starts; the sink creates its own in `open` (with the cluster health check and the
// index template), which is timed apart for the same reason. Client CPU is reported per document for both.

/** The raw contender's request bodies: `batch` documents each, `_id` from the key, built before timing. */
function ndjsonBodies(index: string, spec: TableSpec, rows: readonly Record<string, Cell>[], batch: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < rows.length; i += batch) {
    let body = '';
    for (const row of rows.slice(i, i + batch)) {
      body += `{"index":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(spec.key.map((k) => String(row[k])).join('|'))}}}\n${JSON.stringify(row)}\n`;
    }
    bodies.push(body);
  }
  return bodies;
}

interface Timing {
  readonly seconds: number;
  /** User + system CPU seconds of this process. */
  readonly clientCpu: number;
}

/** Builds the round's request bodies (untimed), then times sending them; the bodies die with the call. */
async function rawRound(pool: Pool, index: string, spec: TableSpec, rows: readonly Record<string, Cell>[], batch: number, concurrency: number): Promise<Timing> {
  return timeRawBulk(pool, ndjsonBodies(index, spec, rows, batch), concurrency);
}

async function timeRawBulk(pool: Pool, bodies: readonly string[], concurrency: number): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const response = await pool.request({ method: 'POST', path: '/_bulk?filter_path=errors', body, headers: { 'content-type': 'application/x-ndjson' } });
      const result = (await response.body.json()) as { errors?: boolean };
      if (response.statusCode !== 200 || result.errors !== false) throw new Error(`raw _bulk failed: ${response.statusCode} ${JSON.stringify(result)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, clientCpu: (used.user + used.system) / 1e6 };
}

/**
 * Times the runner writing `input` (source batches built once, outside every round) through the sink; the
 * sink's `open`, which runs before any source is read, is measured apart and left out of the write timing.
 */
async function timeSink(url: string, spec: TableSpec, input: readonly (readonly StreamRecord<Row>[])[], count: number, batch: number, concurrency: number, prefix: string): Promise<Timing & { writes: number; open: Timing }> {
  let writes = 0;
  let open: Timing = { seconds: 0, clientCpu: 0 };
  const sink = createElasticsearchSink({ type: 'elasticsearch', nodes: [url], indexPrefix: prefix, replicas: 0, maxBulkDocs: batch, concurrency });
  const counting: Sink = {
    name: sink.name,
    open: async (ctx) => {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await sink.open(ctx);
      open = { seconds: Number(process.hrtime.bigint() - started) / 1e9, clientCpu: cpuSeconds(process.cpuUsage(cpu)) };
    },
    write: async (rows, ctx) => {
      writes++;
      await sink.write(rows, ctx);
    },
    flush: (endOfInput) => sink.flush(endOfInput),
    close: () => sink.close(),
  };
  const deadLetters = new MemoryDeadLetterSink();
  const runner = new PipelineRunner({
    topology: passthroughTopology(spec, 'bench'),
    streams: { rows: new ResumableSource('bench.csv', input) },
    sinks: [counting],
    deadLetters,
    events: new EngineEvents(),
    clock: systemClock,
  });
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const summary = await runner.run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  if (deadLetters.letters.length > 0) throw new Error(`sink dead-lettered ${deadLetters.letters.length} documents: ${deadLetters.letters[0]!.detail}`);
  if (summary.recordsIn !== count) throw new Error(`the runner read ${summary.recordsIn} records, expected ${count}`);
  return { seconds: seconds - open.seconds, clientCpu: cpuSeconds(used) - open.clientCpu, writes, open };
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

async function expectCount(client: Client, index: string, count: number): Promise<void> {
  await client.indices.refresh({ index });
  const { count: stored } = await client.count({ index });
  if (stored !== count) throw new Error(`${index} holds ${stored} documents, expected ${count}`);
  await client.indices.delete({ index });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The Elasticsearch sink benchmark: docs/s of the sink and of a raw `_bulk` loop, medians over alternating rounds, and their ratio. */
export async function runElasticsearchBench(): Promise<void> {
  const count = Number(process.env['CLOUDPULSE_BENCH_DOCS'] ?? 500_000);
  const rounds = Math.max(3, Number(process.env['CLOUDPULSE_BENCH_ROUNDS'] ?? 3));
  const batch = Number(process.env['CLOUDPULSE_BENCH_BATCH'] ?? 1_000);
  const concurrency = Number(process.env['CLOUDPULSE_BENCH_CONCURRENCY'] ?? 2);
  await elasticsearch.install();
  const server = await elasticsearch.start();
  const client = new Client({ node: server.url, maxRetries: 0, requestTimeout: 120_000 });
  const pool = new Pool(server.url, { connections: concurrency, pipelining: 1 });
  let peakServerRss = 0;
  const sampleServer = setInterval(() => (peakServerRss = Math.max(peakServerRss, residentBytes(serverProcesses(server.pid)))), 500);
  try {
    await elasticsearch.ready(server);
    const spec = benchTable('bench_bars');
    const rows = generateRows(count);
    const records: StreamRecord<TableRow>[] = rows.map((row, i) => ({
      value: { table: spec.name, row },
      eventTime: row.window_start as number,
      position: { source: 'bench.csv', partition: 'bench.csv', offset: i + 2 },
    }));
    console.log(`${count.toLocaleString('en-US')} documents generated; ${batch} per bulk request, ${concurrency} in flight (server ${server.url}; load average ${load()})`);

    const rawIndex = async (name: string): Promise<void> => {
      await client.indices.create({ index: name, settings: { number_of_replicas: 0 }, mappings: tableMappings(spec, [], false) });
    };
    // The runner's source batches, built once: not allocated (nor collected) inside the sink's timing.
    const input = inputBatches(records, 1000);
    // Warm-up: the server's JIT, thread pools and first merges, on both paths, not timed.
    const warm = Math.min(rows.length, 100_000);
    await rawIndex('warmup_raw');
    await rawRound(pool, 'warmup_raw', spec, rows.slice(0, warm), batch, concurrency);
    await expectCount(client, 'warmup_raw', warm);
    await timeSink(server.url, spec, inputBatches(records.slice(0, warm), 1000), warm, batch, concurrency, 'warmup-');
    await expectCount(client, `warmup-${spec.name}`, warm);

    const raw: Timing[] = [];
    const sink: Timing[] = [];
    const runRaw = async (round: number): Promise<void> => {
      const index = `raw_${round}`;
      await rawIndex(index);
      const timing = await rawRound(pool, index, spec, rows, batch, concurrency);
      await expectCount(client, index, count);
      raw.push(timing);
      console.log(`round ${round}: raw _bulk ${rate(count, timing.seconds)} docs/s (${timing.seconds.toFixed(2)} s, client CPU ${perDoc(timing, count)} µs/doc; load ${load()})`);
    };
    const runSink = async (round: number): Promise<void> => {
      const timing = await timeSink(server.url, spec, input, count, batch, concurrency, `sink${round}-`);
      await expectCount(client, `sink${round}-${spec.name}`, count);
      sink.push(timing);
      console.log(
        `round ${round}: runner → sink ${rate(count, timing.seconds)} docs/s (${timing.seconds.toFixed(2)} s, client CPU ${perDoc(timing, count)} µs/doc; ${timing.writes} sink writes; open ${timing.open.seconds.toFixed(2)} s apart; load ${load()})`,
      );
    };
    for (let round = 1; round <= rounds; round++) {
      // Alternating which goes first keeps whatever the server carries over from one run off one contender.
      if (round % 2 === 1) {
        await runRaw(round);
        await runSink(round);
      } else {
        await runSink(round);
        await runRaw(round);
      }
    }
    const rawMedian = median(raw.map((t) => t.seconds));
    const sinkMedian = median(sink.map((t) => t.seconds));
    console.log(`medians: raw _bulk ${rate(count, rawMedian)} docs/s, runner → sink ${rate(count, sinkMedian)} docs/s`);
    console.log(`client CPU medians: raw _bulk ${(median(raw.map((t) => t.clientCpu)) * 1e6 / count).toFixed(2)} µs/doc, runner → sink ${(median(sink.map((t) => t.clientCpu)) * 1e6 / count).toFixed(2)} µs/doc (2 cores shared with the server; load average now ${load()})`);
    console.log(`peak RSS: bench process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, Elasticsearch ${(peakServerRss / 2 ** 20).toFixed(0)} MiB`);
    console.log(`es_ratio_vs_raw_bulk=${(rawMedian / sinkMedian).toFixed(2)}`);
  } finally {
    clearInterval(sampleServer);
    await pool.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    await elasticsearch.stop(server);
  }
}

function perDoc(timing: Timing, docs: number): string {
  return ((timing.clientCpu * 1e6) / docs).toFixed(2);
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function rate(docs: number, seconds: number): string {
  return Math.round(docs / seconds).toLocaleString('en-US');
}
