import { readFileSync } from 'node:fs';

/** The parts of a Grafana panel the checks read. */
export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource?: unknown;
  readonly options?: Record<string, unknown>;
  readonly fieldConfig?: { readonly defaults?: { readonly custom?: unknown } };
  readonly targets?: readonly { readonly refId: string; readonly expr: string; readonly datasource?: unknown }[];
}

/** The parts of a Grafana dashboard the checks read. */
export interface GrafanaDashboard {
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly query?: unknown; readonly datasource?: unknown }[] };
  readonly panels: readonly GrafanaPanel[];
}

/** One PromQL expression of a panel. */
export interface PanelExpression {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

export function loadDashboard(file: string): GrafanaDashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as GrafanaDashboard;
}

/** Every PromQL expression of the dashboard's panels, as written (with Grafana variables). */
export function dashboardExpressions(dashboard: GrafanaDashboard): PanelExpression[] {
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, refId: t.refId, expr: t.expr })));
}

/**
 * An expression as Grafana sends it to Prometheus: template variables replaced by values
 * (`$topology` by a regex of topology names, `$__rate_interval` and `$__interval` by durations).
 */
export function interpolate(expr: string, values: { readonly topology: string; readonly rateInterval: string; readonly interval: string }): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval)
    .replaceAll('$__interval', values.interval)
    .replaceAll('$topology', values.topology);
}
