import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { cacheDir, SERVICES_DIR } from '../paths.js';
import { freePort } from '../ports.js';
import { spawnServer } from '../process-group.js';
import { firstExisting, installAtomically, inInstanceDir, makeInstanceDir, run, stopInstance, waitReady } from '../service-support.js';
import type { ServiceInstance, ServiceModule, StartOptions } from '../types.js';
import { SparkSqlClient } from './spark-sql-client.js';

/** pip pins of the worker's venv. */
export const PYSPARK_VERSION = '3.5.7';
export const DELTA_VERSION = '3.3.2';

const SOURCE_DIR = join(SERVICES_DIR, 'spark');

function venvDir(): string {
  return join(cacheDir(), `spark-venv-pyspark-${PYSPARK_VERSION}-delta-${DELTA_VERSION}`);
}

function jarsDir(): string {
  return join(cacheDir(), `delta-spark-${DELTA_VERSION}`, 'jars');
}

function javaHome(): string {
  const home = process.env['CLOUDPULSE_SPARK_JAVA_HOME'] ?? process.env['JAVA_HOME'];
  const java = firstExisting([home ? join(home, 'bin', 'java') : undefined, '/usr/lib/jvm/java-17-openjdk-amd64/bin/java'], '');
  if (java === '') throw new Error('Spark 3.5 needs Java 17: set CLOUDPULSE_SPARK_JAVA_HOME or JAVA_HOME');
  return join(java, '..', '..');
}

async function probe(instance: ServiceInstance<'spark'>): Promise<boolean> {
  const client = await SparkSqlClient.connect(instance.settings);
  try {
    const result = await client.sql('SELECT 1 AS one');
    return result.rows[0]?.[0] === 1;
  } finally {
    client.close();
  }
}

/**
 * Spark SQL 3.5 with Delta Lake 3.3 in a local session (`local[2]`, UI off, 2 shuffle partitions, UTC), run
 * by a long-lived Python worker that answers SQL statements as JSON lines on a loopback port.
 */
export const spark: ServiceModule<'spark'> = {
  name: 'spark',
  memoryMiB: 1600,

  async install() {
    await installAtomically(venvDir(), async (tmp) => {
      await run(process.env['CLOUDPULSE_PYTHON'] ?? 'python3', ['-m', 'venv', tmp]);
      await run(join(tmp, 'bin', 'python'), [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `pyspark==${PYSPARK_VERSION}`,
        `delta-spark==${DELTA_VERSION}`,
      ]);
    });
    await installAtomically(join(jarsDir(), '..'), async (tmp) => {
      await run('mvn', [
        '-B',
        '-q',
        '-f',
        join(SOURCE_DIR, 'delta-pom.xml'),
        `-Dmaven.repo.local=${join(cacheDir(), 'maven-repository')}`,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(tmp, 'jars')}`,
      ]);
    });
  },

  async start(options: StartOptions = {}) {
    if (!existsSync(venvDir()) || !existsSync(jarsDir())) throw new Error('spark is not installed: run `npm run services -- install spark`');
    const dir = makeInstanceDir('spark', options.baseDir);
    return inInstanceDir(dir, async () => {
      const port = await freePort();
      const warehouseDir = join(dir, 'warehouse');
      const jars = readdirSync(jarsDir())
        .filter((name) => name.endsWith('.jar'))
        .map((name) => join(jarsDir(), name));
      const logFile = join(dir, 'spark.log');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        JAVA_HOME: javaHome(),
        TZ: 'UTC',
        PYSPARK_PYTHON: join(venvDir(), 'bin', 'python'),
        SPARK_LOCAL_IP: '127.0.0.1',
        HOME: dir,
      };
      delete env['SPARK_HOME'];
      delete env['PYTHONPATH'];
      const spawned = spawnServer({
        command: join(venvDir(), 'bin', 'python'),
        args: [join(SOURCE_DIR, 'worker.py'), '--port', String(port), '--warehouse', warehouseDir, '--jars', jars.join(',')],
        env,
        cwd: dir,
        logFile,
      });
      return {
        name: 'spark',
        pid: spawned.pid,
        startTicks: spawned.startTicks,
        stopSignal: 'SIGTERM',
        ports: [port],
        dir,
        logFile,
        url: `spark-sql://127.0.0.1:${port}`,
        settings: { host: '127.0.0.1', port, warehouseDir },
      };
    });
  },

  probe,

  ready(instance, timeoutMs = 180_000) {
    return waitReady({ probe }, instance, timeoutMs);
  },

  stop(instance) {
    return stopInstance(instance, 15_000);
  },
};
