import { join } from 'node:path';

import { PROJECT_ROOT, SERVICES_DIR } from '../paths.js';
import { freePort } from '../ports.js';
import { spawnServer } from '../process-group.js';
import { inInstanceDir, makeInstanceDir, stopInstance, tryFetch, waitReady } from '../service-support.js';
import type { ServiceInstance, ServiceModule, StartOptions } from '../types.js';

async function probe(instance: ServiceInstance<'registry'>): Promise<boolean> {
  const response = await tryFetch(`${instance.settings.url}/subjects`);
  return response?.status === 200;
}

/** The in-memory schema-registry stand-in (see registry-server.ts), run as its own Node process. */
export const registry: ServiceModule<'registry'> = {
  name: 'registry',
  memoryMiB: 150,

  async install() {
    // Plain TypeScript run through tsx, a project dependency: nothing to install.
  },

  async start(options: StartOptions = {}) {
    const dir = makeInstanceDir('registry', options.baseDir);
    return inInstanceDir(dir, async () => {
      const port = await freePort();
      const logFile = join(dir, 'registry.log');
      const spawned = spawnServer({
        command: process.execPath,
        args: ['--import', 'tsx', join(SERVICES_DIR, 'registry', 'main.ts'), '--port', String(port)],
        env: { ...process.env },
        // `--import tsx` resolves from the working directory: the project's node_modules.
        cwd: PROJECT_ROOT,
        logFile,
      });
      const url = `http://127.0.0.1:${port}`;
      return {
        name: 'registry',
        pid: spawned.pid,
        startTicks: spawned.startTicks,
        stopSignal: 'SIGTERM',
        ports: [port],
        dir,
        logFile,
        url,
        settings: { url },
      };
    });
  },

  probe,

  ready(instance, timeoutMs = 30_000) {
    return waitReady({ probe }, instance, timeoutMs);
  },

  stop(instance) {
    return stopInstance(instance, 5_000);
  },
};
