// @services kafka postgres
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runReplay } from '../../cli/run-replay.js';
import { createPostgresSink } from '../../connectors/postgres/create-postgres-sink.js';
import { generateTicks } from '../../replay/index.js';
import { findTopology } from '../../topologies/index.js';
import { runCli } from '../cli/run-cli.js';
import { openTestDatabase, type TestDatabase } from '../postgres/test-database.js';
import { serviceSettings } from '../services/index.js';
import { compareTables, endOffsets, pipelineConfig, testKafka } from './kafka-test-kit.js';

const TICKS = 200_000;

describe('cloudpulse run: ticks from a 6-partition topic through nvda into PostgreSQL', () => {
  const { brokers, bootstrap } = serviceSettings('kafka');
  const kafka = testKafka(brokers);
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await openTestDatabase('kafka_e2e');
    dir = await mkdtemp(join(tmpdir(), 'cp-kafka-e2e-'));
    await generateTicks({ dir, seed: 20_250_101, rows: TICKS, symbols: 8 });
  });

  afterAll(async () => {
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('ends with the same tables as the file replay of the same ticks', async () => {
    const topic = `ticks-e2e-${randomUUID()}`;
    const produced = await runCli(['replay', 'nvda', '--data', dir, '--file', 'ticks.csv', '--to', `kafka://${topic}`, '--brokers', bootstrap, '--partitions', '6']);
    expect(produced.code, produced.stderr).toBe(0);
    const ends = await endOffsets(kafka, topic);
    expect(ends.size).toBe(6);
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(TICKS);

    const nvda = findTopology('nvda')!;
    await runReplay({ topology: nvda, dataDir: dir, files: { prices: 'ticks.csv' }, sinks: [createPostgresSink(`${db.url}?schema=file_run`)] });

    const config = join(dir, 'daemon.yaml');
    await writeFile(config, stringify(pipelineConfig({
      brokers, name: 'nvda-e2e', topology: 'nvda', input: 'prices', topic, groupId: `e2e-${randomUUID()}`,
      sink: `${db.url}?schema=daemon_run`, deadLetterTopic: `${topic}-dlq`,
    })));
    const run = await runCli(['run', '--config', config]);
    expect(run.code, run.stderr + run.stdout.slice(-2000)).toBe(0);
    const messages = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('connected');
    expect(messages.filter((m) => m === 'assigned')).toHaveLength(6);
    expect(messages.at(-1)).toBe('stopped');

    for (const table of nvda.outputs) {
      const comparison = await compareTables(db, 'file_run', 'daemon_run', table.name);
      expect({ table: table.name, ...comparison }).toEqual({ table: table.name, leftOnly: 0, rightOnly: 0, left: comparison.left, right: comparison.left });
    }
    const [bars] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM daemon_run.nvda_bars');
    expect(Number(bars!.n)).toBeGreaterThan(1_000);
  }, 180_000);

  it('fails at start naming the field of a bad config (exit 2), before connecting', async () => {
    const config = join(dir, 'bad.yaml');
    const good = pipelineConfig({ brokers, name: 'bad', topology: 'nvda', input: 'prices', topic: 't', groupId: 'g', sink: 'console', deadLetterTopic: 'd' });
    const pipelines = good['pipelines'] as Record<string, unknown>[];
    await writeFile(config, stringify({ ...good, pipelines: [{ ...pipelines[0], inputs: { prices: { topic: 't', groupId: 'g', stopAt: 'sometime' } } }] }));
    const run = await runCli(['run', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pipelines\.0\.inputs\.prices\.stopAt/);

    await writeFile(config, stringify({ ...good, colour: 'blue' }));
    const unknown = await runCli(['run', '--config', config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/colour/);
  });
});
