import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cacheDir, SERVICES_DIR } from '../paths.js';
import { freePort } from '../ports.js';
import { spawnServer } from '../process-group.js';
import type { RunAs } from '../service-support.js';
import { ensureSystemUser, fillTemplate, firstExisting, installAtomically, isRoot, inInstanceDir, makeInstanceDir, run, stopInstance, tryFetch, waitReady } from '../service-support.js';
import type { ServiceInstance, ServiceModule, StartOptions } from '../types.js';

/** The Elasticsearch version of the test distribution (Maven Central serves no newer one here). */
export const ELASTICSEARCH_VERSION = '9.2.4';

const ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ELASTICSEARCH_VERSION}:zip`;
const RUN_AS_USER = 'cloudpulse';

function installDir(): string {
  return join(cacheDir(), `elasticsearch-${ELASTICSEARCH_VERSION}`);
}

function javaHome(): string {
  const candidates = [process.env['ES_JAVA_HOME'], '/usr/lib/jvm/temurin-25-jdk-amd64'];
  const home = firstExisting(candidates.map((c) => (c ? join(c, 'bin', 'java') : undefined)), '');
  if (home === '') throw new Error('Elasticsearch 9 needs Java 21+: set ES_JAVA_HOME (these machines have /usr/lib/jvm/temurin-25-jdk-amd64)');
  return join(home, '..', '..');
}

/**
 * The Elasticsearch home the server runs from. Elasticsearch refuses to run as root, and the user it runs as
 * must reach every file: as root (CI) the cache sits under /root (mode 700), so the server runs from a
 * hard-linked mirror under the temp dir instead of loosening /root's permissions.
 */
async function runnableHome(): Promise<string> {
  if (!isRoot()) return installDir();
  const base = join(tmpdir(), 'cloudpulse-es-home');
  mkdirSync(base, { recursive: true, mode: 0o755 });
  const stat = lstatSync(base);
  if (!stat.isDirectory() || stat.uid !== 0) throw new Error(`${base} is not a directory owned by root`);
  const home = join(base, `elasticsearch-${ELASTICSEARCH_VERSION}`);
  await installAtomically(home, async (tmp) => {
    try {
      await run('cp', ['-al', `${installDir()}/.`, tmp]);
    } catch {
      await run('cp', ['-a', `${installDir()}/.`, tmp]);
    }
  });
  return home;
}

function chownTree(path: string, owner: RunAs): void {
  chownSync(path, owner.uid, owner.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), owner);
}

async function probe(instance: ServiceInstance<'elasticsearch'>): Promise<boolean> {
  // This distribution has no `GET /` (405): cluster health is the readiness call.
  const response = await tryFetch(`${instance.settings.url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {}, 5_000);
  if (response?.status !== 200) return false;
  const health = (await response.json()) as { status?: string };
  return health.status === 'green' || health.status === 'yellow';
}

/** Elasticsearch 9.2.4 (Elastic's integ-test-zip from Maven Central): one node on loopback, security off. */
export const elasticsearch: ServiceModule<'elasticsearch'> = {
  name: 'elasticsearch',
  memoryMiB: 1000,

  async install() {
    await installAtomically(installDir(), async (tmp) => {
      const download = join(tmp, 'download');
      await run('mvn', [
        '-B',
        '-q',
        `-Dmaven.repo.local=${join(cacheDir(), 'maven-repository')}`,
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
        `-Dartifact=${ARTIFACT}`,
        `-DoutputDirectory=${download}`,
      ]);
      const zip = readdirSync(download).find((name) => name.endsWith('.zip'));
      if (!zip) throw new Error(`no zip downloaded for ${ARTIFACT}`);
      await run('unzip', ['-q', join(download, zip), '-d', join(tmp, 'unpacked')]);
      const [top] = readdirSync(join(tmp, 'unpacked'));
      if (!top) throw new Error('empty Elasticsearch zip');
      // Move the distribution's content up to the install root, drop the download.
      cpSync(join(tmp, 'unpacked', top), tmp, { recursive: true });
      await run('rm', ['-rf', join(tmp, 'unpacked'), download]);
    });
  },

  async start(options: StartOptions = {}) {
    if (!existsSync(installDir())) throw new Error('elasticsearch is not installed: run `npm run services -- install elasticsearch`');
    const owner = isRoot() ? ensureSystemUser(RUN_AS_USER) : undefined;
    const home = await runnableHome();
    const dir = makeInstanceDir('elasticsearch', options.baseDir, owner);
    return inInstanceDir(dir, async () => {
      const port = await freePort();
      const transportPort = await freePort();
      const config = join(dir, 'config');
      cpSync(join(home, 'config'), config, { recursive: true, dereference: true });
      writeFileSync(
        join(config, 'elasticsearch.yml'),
        fillTemplate(readFileSync(join(SERVICES_DIR, 'elasticsearch', 'elasticsearch.yml.tmpl'), 'utf8'), { PORT: port, TPORT: transportPort, DIR: dir }),
      );
      for (const sub of ['data', 'logs', 'tmp']) mkdirSync(join(dir, sub));
      if (owner) chownTree(dir, owner);
      const logFile = join(dir, 'elasticsearch.log');
      const spawned = spawnServer({
        command: join(home, 'bin', 'elasticsearch'),
        args: [],
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          LANG: 'C.UTF-8',
          HOME: dir,
          ES_JAVA_HOME: javaHome(),
          ES_PATH_CONF: config,
          ES_TMPDIR: join(dir, 'tmp'),
          ES_JAVA_OPTS: '-Xms512m -Xmx512m -XX:-UsePerfData',
          // The launcher JVM probes the server's JVM flags through files in its own temp dir: keep them in ours.
          CLI_JAVA_OPTS: `-XX:-UsePerfData -Djava.io.tmpdir=${join(dir, 'tmp')}`,
        },
        cwd: dir,
        logFile,
        ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      });
      const url = `http://127.0.0.1:${port}`;
      return {
        name: 'elasticsearch',
        pid: spawned.pid,
        startTicks: spawned.startTicks,
        stopSignal: 'SIGTERM',
        ports: [port, transportPort],
        dir,
        logFile,
        url,
        settings: { url },
      };
    });
  },

  probe,

  ready(instance, timeoutMs = 180_000) {
    return waitReady({ probe }, instance, timeoutMs);
  },

  stop(instance) {
    return stopInstance(instance, 20_000);
  },
};
