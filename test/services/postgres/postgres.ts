import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../ports.js';
import { spawnServer } from '../process-group.js';
import type { RunAs } from '../service-support.js';
import { ensureSystemUser, firstExisting, isRoot, lookupUser, inInstanceDir, makeInstanceDir, run, stopInstance, waitReady } from '../service-support.js';
import type { ServiceInstance, ServiceModule, StartOptions } from '../types.js';

function binDir(): string {
  return firstExisting([process.env['CLOUDPULSE_PG_BINDIR'], '/usr/lib/postgresql/15/bin'], '/usr/lib/postgresql/15/bin');
}

/** PostgreSQL refuses to run as root: use the Debian package's `postgres` user. */
function owner(): RunAs | undefined {
  if (!isRoot()) return undefined;
  return lookupUser('postgres') ?? ensureSystemUser('cloudpulse');
}

async function probe(instance: ServiceInstance<'postgres'>): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: instance.settings.url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const result = await client.query<{ one: number }>('SELECT 1 AS one');
    return result.rows[0]?.one === 1;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A project-owned PostgreSQL 15 instance (Debian's binaries, never the system service): a fresh cluster
 * under the temp dir, trust auth for `postgres`, `wal_level=logical` for the CDC source.
 */
export const postgres: ServiceModule<'postgres'> = {
  name: 'postgres',
  memoryMiB: 150,

  async install() {
    if (!existsSync(join(binDir(), 'postgres')) || !existsSync(join(binDir(), 'initdb'))) {
      throw new Error(`PostgreSQL 15 is missing (${binDir()}): run \`sudo bash .ci/install-system-deps.sh\` (apt-get install postgresql-15)`);
    }
  },

  async start(options: StartOptions = {}) {
    const user = owner();
    const dir = makeInstanceDir('postgres', options.baseDir, user);
    return inInstanceDir(dir, async () => {
      const data = join(dir, 'data');
      const asUser = user ? { uid: user.uid, gid: user.gid } : {};
      const env = { ...process.env, HOME: dir, LC_ALL: 'C.UTF-8' };
      await run(join(binDir(), 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
        cwd: dir,
        env,
        ...asUser,
      });
      const port = await freePort();
      const logFile = join(dir, 'postgres.log');
      const spawned = spawnServer({
        command: join(binDir(), 'postgres'),
        args: [
          '-D', data,
          '-p', String(port),
          '-k', dir,
          '-c', 'listen_addresses=127.0.0.1',
          '-c', 'wal_level=logical',
          '-c', 'max_wal_senders=10',
          '-c', 'max_replication_slots=10',
          // Test data only: skip fsync (survives a killed server, not a killed machine). Commits stay synchronous
          // so that crash tests see exactly what was committed.
          '-c', 'fsync=off',
          '-c', 'full_page_writes=off',
          '-c', 'max_connections=200',
        ],
        env,
        cwd: dir,
        logFile,
        ...asUser,
      });
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      return {
        name: 'postgres',
        pid: spawned.pid,
        startTicks: spawned.startTicks,
        // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM ("smart") would wait for every client to leave.
        stopSignal: 'SIGINT',
        ports: [port],
        dir,
        logFile,
        url,
        settings: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres', url, socketDir: dir },
      };
    });
  },

  probe,

  ready(instance, timeoutMs = 60_000) {
    return waitReady({ probe }, instance, timeoutMs);
  },

  stop(instance) {
    return stopInstance(instance, 15_000);
  },
};
