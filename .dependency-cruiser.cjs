/** DESIGN.md's dependency direction, checked on every `npm test`. */
const vendorSdks = '^(kafkajs|pg|pg-copy-streams|pg-logical-replication|@elastic|@databricks|prom-client|avsc|@kafkajs)';
module.exports = {
  forbidden: [
    { name: 'engine-imports-only-rxjs', severity: 'error',
      comment: 'engine/ is the core: it imports rxjs and node built-ins, nothing else of ours, no vendor SDK',
      from: { path: '^engine/' },
      to: { pathNot: ['^engine/', '^node_modules/rxjs/', '^node_modules/\\.pnpm/rxjs', 'node_modules/@types/node'], dependencyTypesNot: ['core', 'type-only'] } },
    { name: 'engine-no-vendor-types', severity: 'error', from: { path: '^engine/' }, to: { path: `node_modules/${vendorSdks.slice(1)}` } },
    { name: 'connectors-do-not-import-each-other', severity: 'error',
      from: { path: '^connectors/([^/]+)/' }, to: { path: '^connectors/([^/]+)/', pathNot: '^connectors/$1/' } },
    { name: 'connectors-only-engine', severity: 'error', from: { path: '^connectors/' },
      to: { path: '^(replay|topologies|metrics|cli)/' } },
    { name: 'replay-only-engine', severity: 'error', from: { path: '^replay/' },
      to: { path: '^(connectors|topologies|metrics|cli)/' } },
    { name: 'topologies-only-engine', severity: 'error', from: { path: '^topologies/' },
      to: { path: '^(connectors|replay|metrics|cli)/' } },
    { name: 'topologies-no-vendor-sdk', severity: 'error', from: { path: '^(topologies|replay)/' }, to: { path: `node_modules/${vendorSdks.slice(1)}`, pathNot: 'node_modules/avsc' } },
    { name: 'metrics-only-engine', severity: 'error', from: { path: '^metrics/' },
      to: { path: '^(connectors|replay|topologies|cli)/' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.test\\.ts$|^test/|^bench/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
