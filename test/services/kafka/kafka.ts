import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cacheDir, SERVICES_DIR } from '../paths.js';
import { freePort } from '../ports.js';
import { spawnServer } from '../process-group.js';
import { fillTemplate, firstExisting, installAtomically, inInstanceDir, makeInstanceDir, run, stopInstance, waitReady } from '../service-support.js';
import type { ServiceInstance, ServiceModule, StartOptions } from '../types.js';

/** Kafka version the project's POM pins. */
export const KAFKA_VERSION = '4.4.0';

const SOURCE_DIR = join(SERVICES_DIR, 'kafka');

function installDir(): string {
  return join(cacheDir(), `kafka-${KAFKA_VERSION}`);
}

function java(): string {
  const home = process.env['CLOUDPULSE_KAFKA_JAVA_HOME'] ?? process.env['JAVA_HOME'];
  return firstExisting([home ? join(home, 'bin', 'java') : undefined, '/usr/lib/jvm/java-17-openjdk-amd64/bin/java'], 'java');
}

function classpath(): string {
  return `${join(installDir(), 'libs')}/*`;
}

/** A KRaft cluster id: Kafka's `Uuid.toString()` is url-safe base64 of 16 random bytes, never starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function probe(instance: ServiceInstance<'kafka'>): Promise<boolean> {
  // The broker logs this once it serves clients; the metadata call proves the listener answers.
  if (!readFileSync(instance.logFile, 'utf8').includes('Kafka Server started')) return false;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    clientId: 'cloudpulse-services-probe',
    brokers: [...instance.settings.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Kafka 4.4 in KRaft mode: one combined broker+controller on loopback, jars from Maven Central. */
export const kafka: ServiceModule<'kafka'> = {
  name: 'kafka',
  memoryMiB: 450,

  async install() {
    await installAtomically(installDir(), async (tmp) => {
      await run('mvn', [
        '-B',
        '-q',
        '-f',
        join(SOURCE_DIR, 'pom.xml'),
        `-Dmaven.repo.local=${join(cacheDir(), 'maven-repository')}`,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(tmp, 'libs')}`,
      ]);
    });
  },

  async start(options: StartOptions = {}) {
    if (!existsSync(installDir())) throw new Error('kafka is not installed: run `npm run services -- install kafka`');
    const dir = makeInstanceDir('kafka', options.baseDir);
    return inInstanceDir(dir, async () => {
      const port = await freePort();
      const controllerPort = await freePort();
      mkdirSync(join(dir, 'data'));
      const properties = join(dir, 'server.properties');
      writeFileSync(
        properties,
        fillTemplate(readFileSync(join(SOURCE_DIR, 'server.properties.tmpl'), 'utf8'), { PORT: port, CPORT: controllerPort, DATA_DIR: dir }),
      );
      await run(java(), ['-XX:-UsePerfData', '-cp', classpath(), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', properties]);
      const logFile = join(dir, 'kafka.log');
      const spawned = spawnServer({
        command: java(),
        args: [
          '-Xms128m',
          '-Xmx512m',
          '-XX:+UseSerialGC',
          '-XX:-UsePerfData',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${join(SOURCE_DIR, 'log4j2.properties')}`,
          '-cp',
          classpath(),
          'kafka.Kafka',
          properties,
        ],
        env: { ...process.env },
        cwd: dir,
        logFile,
      });
      const bootstrap = `127.0.0.1:${port}`;
      return {
        name: 'kafka',
        pid: spawned.pid,
        startTicks: spawned.startTicks,
        stopSignal: 'SIGTERM',
        ports: [port, controllerPort],
        dir,
        logFile,
        url: `kafka://${bootstrap}`,
        settings: { brokers: [bootstrap], bootstrap },
      };
    });
  },

  probe,

  ready(instance, timeoutMs = 90_000) {
    return waitReady({ probe }, instance, timeoutMs);
  },

  stop(instance) {
    return stopInstance(instance, 20_000);
  },
};
