import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topologies } from '../../topologies/index.js';
import { requireSharedData } from '../shared-data.js';
import { runCli } from './run-cli.js';

const dataLines = async (path: string): Promise<number> => (await readFile(path, 'utf8')).trim().split('\n').length - 1;

describe('the cloudpulse CLI (the real bin, as a user runs it)', () => {
  it('lists every built-in topology', async () => {
    const run = await runCli(['topologies']);
    expect(run.code).toBe(0);
    for (const topology of topologies) expect(run.stdout).toMatch(new RegExp(`^${topology.name} `, 'm'));
  });

  it('fails at start with exit code 2 naming the bad field, before writing anything', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-bad-'));
    const data = join(requireSharedData(), 'nvidia-stock');
    const cases: [string[], RegExp][] = [
      [['replay', 'nope', '--data', data], /topology: unknown topology "nope"/],
      [['replay', 'nvda', '--data', data, '--bar', '7x'], /options\.bar/],
      [['replay', 'nvda', '--data', data, '--sink', 'mysql://u:secret@h/db'], /sinks\.0: unknown sink "mysql:\/\/u:\*\*\*@h\/db"/],
      [['replay', 'nvda', '--data', data, '--sink', 'postgres://u@h:99999/db'], /sinks\.0/],
      [['replay', 'nvda', '--data', data, '--metrics-port', '70000'], /metrics-port: must be a port number/],
      [['replay', 'nvda', '--data', join(data, 'missing')], /data: input prices: file not found/],
      [['demo', '--scale', '0'], /scale: must be a number > 0/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli([...args, '--out', out]);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain('secret');
    }
  });

  it('replays a real file into one row per input bar, and --strict exits 3 when records were dead-lettered', async () => {
    const data = requireSharedData();
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-nvda-'));
    const nvda = await runCli(['replay', 'nvda', '--data', join(data, 'nvidia-stock'), '--out', out, '--no-progress', '--metrics-port', '0', '--strict']);
    expect(nvda.code).toBe(0);
    expect(await dataLines(join(out, 'nvda_bars.csv'))).toBe(await dataLines(join(data, 'nvidia-stock', 'NVDA.csv')));
    expect(nvda.stderr).toMatch(/metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);

    const cars = await mkdtemp(join(tmpdir(), 'cp-cli-cars-'));
    const modelcars = await runCli(['replay', 'modelcars', '--data', join(data, 'model-cars'), '--out', cars, '--no-progress', '--no-metrics', '--strict']);
    expect(modelcars.code).toBe(3);
    const printed = [...modelcars.stdout.matchAll(/dead letters \((\w+)\): (\d+)/g)].reduce((sum, match) => sum + Number(match[2]), 0);
    expect(printed).toBeGreaterThan(0);
    expect(await dataLines(join(cars, 'dead_letter.csv'))).toBe(printed);
    expect(modelcars.stderr).not.toContain('metrics:');
  });

  it('serves /metrics and /readyz while replaying, stops on SIGINT with exit 130, and --resume finishes the same tables', async () => {
    const data = join(requireSharedData(), 'nvidia-stock');
    const window = ['--from', '2024-01-01T00:00:00Z', '--to', '2024-04-01T00:00:00Z'];
    const whole = await mkdtemp(join(tmpdir(), 'cp-cli-whole-'));
    expect((await runCli(['replay', 'nvda', '--data', data, '--out', whole, '--no-progress', '--no-metrics', ...window])).code).toBe(0);

    const out = await mkdtemp(join(tmpdir(), 'cp-cli-paced-'));
    let scraped: { ready: number; metrics: string } | undefined;
    let scraping: Promise<void> | undefined;
    // 0.1 s per trading day: long enough to scrape and interrupt mid-way.
    const paced = runCli(['replay', 'nvda', '--data', data, '--out', out, '--no-progress', '--metrics-port', '0', '--speed', '864000', ...window], {
      onStderr(text, child) {
        const url = /metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(text)?.[1];
        if (url === undefined) return;
        scraping = (async () => {
          await new Promise((wait) => setTimeout(wait, 1_500));
          const ready = (await fetch(`${url}/readyz`)).status;
          const metrics = await (await fetch(`${url}/metrics`)).text();
          scraped = { ready, metrics };
          child.kill('SIGINT');
        })();
      },
    });
    const interrupted = await paced;
    await scraping;
    expect(scraped?.ready).toBe(200);
    expect(scraped?.metrics).toMatch(/^cloudpulse_records_in_total\{topology="nvda",source="NVDA.csv"[^}]*\} [1-9]/m);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain('continue with --resume');

    const resumed = await runCli(['replay', 'nvda', '--data', data, '--out', out, '--no-progress', '--no-metrics', '--resume', ...window]);
    expect(resumed.code).toBe(0);
    for (const table of ['nvda_bars', 'nvda_indicators', 'nvda_signals']) {
      expect(await readFile(join(out, `${table}.csv`), 'utf8')).toBe(await readFile(join(whole, `${table}.csv`), 'utf8'));
    }
  });

  it('runs the demo on generated data with every topology producing rows', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cp-cli-demo-'));
    const run = await runCli(['demo', '--out', out, '--scale', '0.05', '--metrics-port', '0']);
    expect(run.code).toBe(0);
    const rows = [...run.stdout.matchAll(/^(\S+)\s+(\d+)\s+(\d+)\s/gm)].filter((m) => m[1] !== 'run' && m[1] !== 'total');
    expect(rows.map((m) => m[1])).toEqual(['nvda', 'nvda-ticks', 'northwind', 'modelcars', 'salaries', 'world-economy', 'crm-pipeline']);
    for (const match of rows) expect({ run: match[1], positive: Number(match[2]) > 0 && Number(match[3]) > 0 }).toEqual({ run: match[1], positive: true });
  });
});
