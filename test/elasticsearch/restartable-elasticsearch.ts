import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { elasticsearch } from '../services/elasticsearch/elasticsearch.js';
import { processStartTicks, spawnServer, stopGroup } from '../services/process-group.js';
import type { ServiceInstance } from '../services/types.js';

/** How the launcher started the server, read back from /proc: enough to start it again on the same data. */
interface LaunchSpec {
  readonly command: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uid: number;
  readonly gid: number;
}

/**
 * An Elasticsearch node of its own for one test file (the run's shared node must not go away under the other
 * files), started by the launcher's module, that can be killed and started again **on the same data
 * directory and port**: what a crash and a restart of the server do to a client.
 */
export class RestartableElasticsearch {
  private constructor(
    private instance: ServiceInstance<'elasticsearch'>,
    private readonly launch: LaunchSpec,
  ) {}

  static async start(): Promise<RestartableElasticsearch> {
    await elasticsearch.install();
    const instance = await elasticsearch.start();
    try {
      await elasticsearch.ready(instance);
      return new RestartableElasticsearch(instance, launchSpec(instance));
    } catch (error) {
      await elasticsearch.stop(instance);
      throw error;
    }
  }

  get url(): string {
    return this.instance.url;
  }

  /** SIGKILL to the whole server (a crash: nothing flushed on the way out), waiting until it is gone. */
  async kill(): Promise<void> {
    await stopGroup(this.instance.pid, this.instance.startTicks, 'SIGKILL', 10_000);
  }

  /** Starts the server again with the same configuration, data and port; resolves once it is healthy. */
  async restart(): Promise<void> {
    const spawned = spawnServer({ command: this.launch.command, args: [], env: this.launch.env, cwd: this.instance.dir, logFile: this.instance.logFile, uid: this.launch.uid, gid: this.launch.gid });
    this.instance = { ...this.instance, pid: spawned.pid, startTicks: spawned.startTicks || processStartTicks(spawned.pid) };
    await elasticsearch.ready(this.instance);
  }

  /** Stops the server and removes its data directory. */
  async stop(): Promise<void> {
    await elasticsearch.stop(this.instance);
  }
}

function launchSpec(instance: ServiceInstance<'elasticsearch'>): LaunchSpec {
  const proc = `/proc/${instance.pid}`;
  const environ = readFileSync(join(proc, 'environ'), 'utf8').split('\0').filter((entry) => entry.includes('='));
  const env: NodeJS.ProcessEnv = {};
  for (const entry of environ) env[entry.slice(0, entry.indexOf('='))] = entry.slice(entry.indexOf('=') + 1);
  // The start script prepends its own options to CLI_JAVA_OPTS and sets these: give it what the launcher gave.
  env['CLI_JAVA_OPTS'] = `-XX:-UsePerfData -Djava.io.tmpdir=${join(instance.dir, 'tmp')}`;
  for (const name of ['PWD', 'OLDPWD', 'SHLVL']) delete env[name];
  const cmdline = readFileSync(join(proc, 'cmdline'), 'utf8').split('\0');
  const script = cmdline.find((arg) => arg.startsWith('-Dcli.script='))?.slice('-Dcli.script='.length);
  if (script === undefined) throw new Error(`cannot tell how Elasticsearch (pid ${instance.pid}) was started: no -Dcli.script in its command line`);
  const status = readFileSync(join(proc, 'status'), 'utf8');
  const id = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? process.getuid?.() ?? 0);
  return { command: script, env, uid: id('Uid'), gid: id('Gid') };
}
