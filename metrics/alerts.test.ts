import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricNames } from './metric-names.js';

const here = dirname(fileURLToPath(import.meta.url));
const alertsFile = join(here, 'alerts.yml');
const promtool = process.env['CLOUDPULSE_PROMTOOL_BIN'] ?? '/usr/bin/promtool';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The alert rules of alerts.yml. */
function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(alertsFile, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((group) => group.rules);
}

async function runPromtool(...args: string[]): Promise<{ code: number; output: string }> {
  if (!existsSync(promtool)) throw new Error(`promtool is missing at ${promtool}: run \`sudo bash .ci/install-system-deps.sh\` (Debian package prometheus)`);
  try {
    const { stdout, stderr } = await promisify(execFile)(promtool, args, { cwd: here });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('alerts.yml', () => {
  it('passes promtool check rules', async () => {
    const result = await runPromtool('check', 'rules', alertsFile);
    expect(result.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(result.code).toBe(0);
  });

  it('fires each alert on its situation and not on a healthy look-alike (promtool test rules)', async () => {
    const result = await runPromtool('test', 'rules', 'alerts.rules-test.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('covers stalled pipelines, growing lag, dead-letter rate, sink errors and a watermark that does not advance', () => {
    const names = alertRules().map((rule) => rule.alert);
    expect(names).toEqual(expect.arrayContaining([
      'CloudPulsePipelineStalled',
      'CloudPulseConsumerLagGrowing',
      'CloudPulseEventTimeLagGrowing',
      'CloudPulseDeadLetterRateHigh',
      'CloudPulseSinkErrors',
      'CloudPulseWatermarkNotAdvancing',
    ]));
    for (const rule of alertRules()) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy();
    }
  });

  it('uses only metrics CloudPulse exports', () => {
    const exported = new Set<string>(Object.values(metricNames));
    for (const rule of alertRules()) {
      for (const name of rule.expr.match(/cloudpulse_\w+/g) ?? []) expect(exported.has(name.replace(/_(bucket|sum|count)$/, '')) || exported.has(name), `${name} in ${rule.alert}`).toBe(true);
    }
  });

  it('promtool rejects a rule whose PromQL does not parse (the check has teeth)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudpulse-alerts-'));
    try {
      const broken = readFileSync(alertsFile, 'utf8').replace('> 0.01', '> 0.01)');
      writeFileSync(join(dir, 'alerts.yml'), broken);
      const result = await runPromtool('check', 'rules', join(dir, 'alerts.yml'));
      expect(result.output).toMatch(/CloudPulseDeadLetterRateHigh|parse error/);
      expect(result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
