import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricNames } from '../metric-names.js';
import { dashboardExpressions, loadDashboard, type GrafanaPanel } from './dashboard-queries.js';

// Grafana cannot run here, so the dashboard is checked against Grafana's own schema: the TypeScript types
// that @grafana/schema generates from Grafana's CUE definitions (the classic dashboard JSON model and each
// panel plugin's options), turned into JSON Schemas and applied with ajv.
const schemaTypes = join(dirname(createRequire(import.meta.url).resolve('@grafana/schema/package.json')), 'dist', 'types', 'raw');

function schemaOf(file: string, type: string): object {
  return createGenerator({ path: join(schemaTypes, file), type, skipTypeCheck: true, expose: 'export', topRef: true, additionalProperties: false }).createSchema(type);
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}

const dashboardFile = join(dirname(fileURLToPath(import.meta.url)), 'cloudpulse.json');
const dashboard = loadDashboard(dashboardFile);
const panels = dashboard.panels.filter((p) => p.type !== 'row');

describe('dashboards/cloudpulse.json', () => {
  const validators = new Map<string, ValidateFunction>();
  let validateDashboard: ValidateFunction;

  beforeAll(() => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    validateDashboard = ajv.compile(schemaOf('dashboard/x/types.gen.d.ts', 'Dashboard'));
    for (const type of new Set(panels.map((p) => p.type))) {
      validators.set(`${type}:options`, ajv.compile(schemaOf(`composable/${type}/panelcfg/x/types.gen.d.ts`, 'Options')));
    }
    validators.set('timeseries:custom', ajv.compile(schemaOf('composable/timeseries/panelcfg/x/types.gen.d.ts', 'FieldConfig')));
  }, 120_000);

  it('is valid JSON that matches Grafana\'s Dashboard schema', () => {
    const raw: unknown = JSON.parse(readFileSync(dashboardFile, 'utf8'));
    const valid = validateDashboard(raw);
    expect(describeErrors(validateDashboard.errors)).toBe('');
    expect(valid).toBe(true);
  });

  it('gives every panel options (and time-series field options) that match its plugin\'s schema', () => {
    for (const panel of panels) {
      const options = validators.get(`${panel.type}:options`)!;
      expect(describeErrors(options(panel.options) ? [] : options.errors), `panel "${panel.title}" options`).toBe('');
      if (panel.type === 'timeseries') {
        const custom = validators.get('timeseries:custom')!;
        expect(describeErrors(custom(panel.fieldConfig?.defaults?.custom ?? {}) ? [] : custom.errors), `panel "${panel.title}" custom`).toBe('');
      }
    }
  });

  it('rejects a broken dashboard (the schema check has teeth)', () => {
    const broken = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Record<string, unknown>;
    delete broken['schemaVersion'];
    (broken['panels'] as Record<string, unknown>[])[1]!['gridPos'] = { w: 'wide' };
    expect(validateDashboard(broken)).toBe(false);
    const stat = validators.get('stat:options')!;
    expect(stat({ ...panels.find((p) => p.type === 'stat')!.options, colorMode: 'rainbow' })).toBe(false);
  });

  it('has a Prometheus datasource variable and a topology variable that every query uses', () => {
    const variables = dashboard.templating.list;
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const topology = variables.find((v) => v.name === 'topology');
    expect(topology).toMatchObject({ type: 'query', multi: true, includeAll: true, datasource: { type: 'prometheus', uid: '${datasource}' } });
    expect(JSON.stringify(topology?.query)).toContain('label_values(cloudpulse_pipeline_state, topology)');
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        // Every selector of a CloudPulse metric is narrowed to the chosen topologies.
        for (const selector of target.expr.match(/cloudpulse_\w+(\{[^}]*\})?/g) ?? []) expect(selector, panel.title).toContain('topology=~"$topology"');
      }
    }
  });

  it('uses only metrics CloudPulse exports, and shows every one of them', () => {
    const exported = new Set<string>(Object.values(metricNames));
    const used = new Set<string>();
    for (const { expr } of dashboardExpressions(dashboard)) {
      for (const name of expr.match(/cloudpulse_\w+/g) ?? []) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        expect(exported.has(name) || exported.has(base), `${name} in ${expr}`).toBe(true);
        used.add(exported.has(name) ? name : base);
      }
    }
    expect([...exported].filter((name) => !used.has(name))).toEqual([]);
  });

  it('has the panels operators need: throughput, lag, latency quantiles, DLQ and late rates, window state, sink errors and retries, replay progress', () => {
    const exprs = panels.flatMap((p: GrafanaPanel) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    expect(exprs).toContain('rate(cloudpulse_records_in_total');
    expect(exprs).toContain('rate(cloudpulse_records_out_total');
    expect(exprs).toContain('cloudpulse_consumer_lag_records');
    expect(exprs).toContain('cloudpulse_event_time_lag_seconds');
    for (const histogram of ['batch_processing_seconds', 'sink_write_seconds', 'commit_seconds']) {
      expect(exprs).toMatch(new RegExp(`histogram_quantile\\(0\\.99, sum by \\(le[^)]*\\) \\(rate\\(cloudpulse_${histogram}_bucket`));
    }
    expect(exprs).toContain('rate(cloudpulse_dead_letters_total');
    expect(exprs).toContain('rate(cloudpulse_late_records_total');
    expect(exprs).toContain('cloudpulse_window_open_windows');
    expect(exprs).toContain('outcome="error"');
    expect(exprs).toContain('rate(cloudpulse_retries_total');
    expect(exprs).toContain('cloudpulse_replay_read_bytes');
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const cell = `${i},${j}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });
});
