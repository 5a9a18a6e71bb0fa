// `npm run bench -- <name…>`: runs benchmarks that print throughput and memory with ratios against
// baselines measured in the same run. Not a test: nothing here asserts a timing.
const benches: Record<string, () => Promise<void>> = {
  replay: async () => (await import('./replay-bench.js')).runReplayBench(),
  postgres: async () => (await import('./postgres-bench.js')).runPostgresBench(),
  migrate: async () => (await import('./migrate-bench.js')).runMigrateBench(),
  kafka: async () => (await import('./kafka-bench.js')).runKafkaBench(),
  'kafka-steady': async () => (await import('./kafka-latency-bench.js')).runKafkaSteadyBench(),
  elasticsearch: async () => (await import('./elasticsearch-bench.js')).runElasticsearchBench(),
  databricks: async () => (await import('./databricks-bench.js')).runDatabricksBench(),
};

const requested = process.argv.slice(2).filter((arg) => arg !== '--');
const names = requested.length === 0 ? Object.keys(benches) : requested;
for (const name of names) {
  const bench = benches[name];
  if (bench === undefined) {
    console.error(`unknown benchmark ${name} (known: ${Object.keys(benches).join(', ')})`);
    process.exit(2);
  }
  console.log(`== ${name}`);
  await bench();
}
