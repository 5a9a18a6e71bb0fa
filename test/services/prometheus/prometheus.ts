import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../ports.js';
import { spawnServer } from '../process-group.js';
import { firstExisting, inInstanceDir, makeInstanceDir, stopInstance, tryFetch, waitReady } from '../service-support.js';
import type { ServiceInstance, ServiceModule, StartOptions } from '../types.js';

function binary(): string {
  return firstExisting([process.env['CLOUDPULSE_PROMETHEUS_BIN'], '/usr/bin/prometheus'], '/usr/bin/prometheus');
}

function config(port: number, targetsDir: string): string {
  // A 1 s scrape interval keeps tests short; targets come from file_sd so that tests add endpoints at run time.
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${port}']`,
    '  - job_name: cloudpulse',
    '    file_sd_configs:',
    `      - files: ['${targetsDir}/*.json']`,
    '        refresh_interval: 1s',
    '',
  ].join('\n');
}

async function probe(instance: ServiceInstance<'prometheus'>): Promise<boolean> {
  const response = await tryFetch(`${instance.settings.url}/-/ready`);
  return response?.status === 200;
}

/** Prometheus (Debian's 2.42 package) on loopback, scraping whatever tests list in its file_sd directory. */
export const prometheus: ServiceModule<'prometheus'> = {
  name: 'prometheus',
  memoryMiB: 150,

  async install() {
    if (!existsSync(binary())) {
      throw new Error('prometheus is missing: run `sudo bash .ci/install-system-deps.sh` (apt-get install --no-install-recommends prometheus)');
    }
  },

  async start(options: StartOptions = {}) {
    const dir = makeInstanceDir('prometheus', options.baseDir);
    return inInstanceDir(dir, async () => {
      const port = await freePort();
      const targetsDir = join(dir, 'targets');
      mkdirSync(targetsDir);
      mkdirSync(join(dir, 'data'));
      const configFile = join(dir, 'prometheus.yml');
      writeFileSync(configFile, config(port, targetsDir));
      const logFile = join(dir, 'prometheus.log');
      const spawned = spawnServer({
        command: binary(),
        args: [
          `--config.file=${configFile}`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          '--log.level=warn',
        ],
        env: { ...process.env },
        cwd: dir,
        logFile,
      });
      const url = `http://127.0.0.1:${port}`;
      return {
        name: 'prometheus',
        pid: spawned.pid,
        startTicks: spawned.startTicks,
        stopSignal: 'SIGTERM',
        ports: [port],
        dir,
        logFile,
        url,
        settings: { url, targetsDir },
      };
    });
  },

  probe,

  ready(instance, timeoutMs = 60_000) {
    return waitReady({ probe }, instance, timeoutMs);
  },

  stop(instance) {
    return stopInstance(instance, 10_000);
  },
};
