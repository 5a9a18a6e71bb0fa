import { Client } from '@elastic/elasticsearch';
import { Pool } from 'undici';
import { createElasticsearchSink } from '../connectors/elasticsearch/create-elasticsearch-sink.js';
import { tableMappings } from '../connectors/elasticsearch/index-mappings.js';
import { EngineEvents, MemoryDeadLetterSink, PipelineRunner, systemClock, type Cell, type Sink, type StreamRecord, type TableRow, type TableSpec } from '../engine/index.js';
import { benchTable, generateRows } from './bar-rows.js';
import { inputBatches, passthroughTopology, ResumableSource } from '../test/conformance/conformance-topology.js';
import { elasticsearch } from '../test/services/elasticsearch/elasticsearch.js';
import { residentBytes, serverProcesses } from '../test/services/process-group.js';

// N generated bar-shaped documents (text + timestamp key, doubles, longs, a date, a boolean) into a fresh
// index through the Elasticsearch sink driven by the pipeline runner (source batches of 1,000 rows), and the
// same documents as NDJSON serialised before the clock starts, POSTed to `_bulk` with undici: the same
// documents per request and the same requests in flight. One Elasticsearch node started for the run, warmed
// first (its JIT and merges swing figures 2–4× here); the contenders alternate, each into a fresh index per
// round, and their medians are compared.

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
  readonly clientCpu: number;
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

async function timeSink(url: string, spec: TableSpec, records: readonly StreamRecord<TableRow>[], batch: number, concurrency: number, prefix: string): Promise<Timing & { writes: number }> {
  let writes = 0;
  const sink = createElasticsearchSink({ type: 'elasticsearch', nodes: [url], indexPrefix: prefix, replicas: 0, maxBulkDocs: batch, concurrency });
  const counting: Sink = {
    name: sink.name,
    open: (ctx) => sink.open(ctx),
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
    streams: { rows: new ResumableSource('bench.csv', inputBatches(records, 1000)) },
    sinks: [counting],
    deadLetters,
    events: new EngineEvents(),
    clock: systemClock,
  });
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await runner.run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  if (deadLetters.letters.length > 0) throw new Error(`sink dead-lettered ${deadLetters.letters.length} documents: ${deadLetters.letters[0]!.detail}`);
  return { seconds, clientCpu: (used.user + used.system) / 1e6, writes };
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
    console.log(`${count.toLocaleString('en-US')} documents generated; ${batch} per bulk request, ${concurrency} in flight (server ${server.url})`);

    const rawIndex = async (name: string): Promise<void> => {
      await client.indices.create({ index: name, settings: { number_of_replicas: 0 }, mappings: tableMappings(spec, [], false) });
    };
    // Warm-up: the server's JIT, thread pools and first merges, on both paths, not timed.
    const warm = rows.slice(0, Math.min(rows.length, 100_000));
    await rawIndex('warmup_raw');
    await timeRawBulk(pool, ndjsonBodies('warmup_raw', spec, warm, batch), concurrency);
    await expectCount(client, 'warmup_raw', warm.length);
    await timeSink(server.url, spec, records.slice(0, warm.length), batch, concurrency, 'warmup-');
    await expectCount(client, `warmup-${spec.name}`, warm.length);

    const rawTimes: number[] = [];
    const sinkTimes: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const index = `raw_${round}`;
      await rawIndex(index);
      const bodies = ndjsonBodies(index, spec, rows, batch);
      const raw = await timeRawBulk(pool, bodies, concurrency);
      await expectCount(client, index, count);
      const sink = await timeSink(server.url, spec, records, batch, concurrency, `sink${round}-`);
      await expectCount(client, `sink${round}-${spec.name}`, count);
      rawTimes.push(raw.seconds);
      sinkTimes.push(sink.seconds);
      console.log(`round ${round}: raw _bulk ${rate(count, raw.seconds)} docs/s (${raw.seconds.toFixed(2)} s, client CPU ${raw.clientCpu.toFixed(2)} s)`);
      console.log(`round ${round}: runner → sink ${rate(count, sink.seconds)} docs/s (${sink.seconds.toFixed(2)} s, client CPU ${sink.clientCpu.toFixed(2)} s; ${sink.writes} sink writes)`);
    }
    const rawMedian = median(rawTimes);
    const sinkMedian = median(sinkTimes);
    console.log(`medians: raw _bulk ${rate(count, rawMedian)} docs/s, runner → sink ${rate(count, sinkMedian)} docs/s`);
    console.log(`peak RSS: bench process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, Elasticsearch ${(peakServerRss / 2 ** 20).toFixed(0)} MiB`);
    console.log(`es_ratio_vs_raw_bulk=${(rawMedian / sinkMedian).toFixed(2)}`);
  } finally {
    clearInterval(sampleServer);
    await pool.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    await elasticsearch.stop(server);
  }
}

function rate(docs: number, seconds: number): string {
  return Math.round(docs / seconds).toLocaleString('en-US');
}
