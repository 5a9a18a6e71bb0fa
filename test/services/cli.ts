import { Command } from 'commander';

import { launchServices, stopServices } from './launcher.js';
import { parseServiceNames, serviceModule } from './modules.js';
import { cliStateFile } from './paths.js';
import { isAlive, residentBytes, serverProcesses } from './process-group.js';
import { readState, removeState, writeState } from './state-file.js';
import type { ServiceInstance, ServiceName } from './types.js';
import { SERVICE_NAMES } from './types.js';

// `npm run services -- up|down|status|install|env [names]`: the same launcher the tests use, for people,
// benchmarks and CI. State (PIDs, ports, URLs) lives in a file under the cache dir, so any shell can stop
// or inspect what another started.

function names(args: readonly string[]): ServiceName[] {
  return args.length === 0 ? [...SERVICE_NAMES] : parseServiceNames(args, 'services');
}

function saveInstances(instances: readonly ServiceInstance[]): void {
  if (instances.length === 0) removeState(cliStateFile());
  else writeState(cliStateFile(), { instances });
}

function alive(instance: ServiceInstance): boolean {
  return isAlive(instance.pid, instance.startTicks);
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}

/** Shell exports that point CloudPulse and its examples at the running servers. */
function exportsFor(instance: ServiceInstance): string[] {
  switch (instance.name) {
    case 'kafka': {
      const settings = (instance as ServiceInstance<'kafka'>).settings;
      return [`CLOUDPULSE_KAFKA_BROKERS=${settings.bootstrap}`];
    }
    case 'postgres': {
      const settings = (instance as ServiceInstance<'postgres'>).settings;
      return [`CLOUDPULSE_POSTGRES_URL=${settings.url}`, `PGHOST=${settings.host}`, `PGPORT=${settings.port}`, `PGUSER=${settings.user}`];
    }
    case 'elasticsearch':
      return [`CLOUDPULSE_ELASTICSEARCH_URL=${instance.url}`];
    case 'prometheus': {
      const settings = (instance as ServiceInstance<'prometheus'>).settings;
      return [`CLOUDPULSE_PROMETHEUS_URL=${settings.url}`, `CLOUDPULSE_PROMETHEUS_TARGETS_DIR=${settings.targetsDir}`];
    }
    case 'spark': {
      const settings = (instance as ServiceInstance<'spark'>).settings;
      return [`CLOUDPULSE_SPARK_SQL=${settings.host}:${settings.port}`];
    }
    case 'registry':
      return [`CLOUDPULSE_SCHEMA_REGISTRY_URL=${instance.url}`];
  }
}

const program = new Command('services').description('Install, start, check and stop the real servers CloudPulse is tested against (127.0.0.1 only).');

program
  .command('install')
  .argument('[names...]', `servers (${SERVICE_NAMES.join(', ')}); all when omitted`)
  .description('install into the cache (~/.cache/cloudpulse) without starting')
  .action(async (args: string[]) => {
    for (const name of names(args)) {
      const started = Date.now();
      await serviceModule(name).install();
      console.log(`${name.padEnd(14)} installed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  });

program
  .command('up')
  .argument('[names...]', 'servers to start; all when omitted')
  .description('start servers in the background (state kept for `down` and `status` from any shell)')
  .action(async (args: string[]) => {
    const recorded = readState(cliStateFile()).instances;
    // Servers that died since (a reboot, the OOM killer): forget them and drop their directories.
    await stopServices(recorded.filter((instance) => !alive(instance)));
    const current = recorded.filter(alive);
    const wanted = names(args).filter((name) => !current.some((instance) => instance.name === name));
    for (const instance of current) console.log(`${instance.name.padEnd(14)} already up at ${instance.url} (pid ${instance.pid})`);
    if (wanted.length === 0) return;
    const instances = [...current];
    const { timings } = await launchServices(wanted, {
      onSpawned: (instance) => {
        instances.push(instance);
        saveInstances(instances);
      },
    }).catch((error: unknown) => {
      saveInstances(current);
      throw error;
    });
    for (const timing of timings) {
      const instance = instances.find((candidate) => candidate.name === timing.name);
      if (instance) console.log(`${instance.name.padEnd(14)} up at ${instance.url} (pid ${instance.pid}, ready in ${(timing.startMs / 1000).toFixed(1)} s)`);
    }
  });

program
  .command('down')
  .argument('[names...]', 'servers to stop; all when omitted')
  .description('stop servers started with `up` and delete their data')
  .action(async (args: string[]) => {
    const state = readState(cliStateFile());
    const selected = names(args);
    const stopping = state.instances.filter((instance) => selected.includes(instance.name));
    await stopServices(stopping);
    saveInstances(state.instances.filter((instance) => !selected.includes(instance.name)));
    for (const instance of stopping) console.log(`${instance.name.padEnd(14)} stopped (pid ${instance.pid})`);
    if (stopping.length === 0) console.log('nothing to stop');
  });

program
  .command('status')
  .argument('[names...]', 'servers to show; all when omitted')
  .description("print each server's URL, PID, health and memory")
  .action(async (args: string[]) => {
    const selected = names(args);
    const instances = readState(cliStateFile())
      .instances.filter((instance) => selected.includes(instance.name))
      .sort((a, b) => SERVICE_NAMES.indexOf(a.name) - SERVICE_NAMES.indexOf(b.name));
    if (instances.length === 0) {
      console.log('no server is up (start them with `npm run services -- up`)');
      return;
    }
    let unhealthy = false;
    for (const instance of instances) {
      let health = 'dead';
      if (alive(instance)) {
        const module = serviceModule(instance.name);
        const ok = await module.probe(instance).catch(() => false);
        health = ok ? 'healthy' : 'unhealthy';
      }
      if (health !== 'healthy') unhealthy = true;
      const rss = health === 'dead' ? '-' : mib(residentBytes(serverProcesses(instance.pid)));
      console.log(`${instance.name.padEnd(14)} ${instance.url.padEnd(32)} pid ${String(instance.pid).padEnd(8)} ${health.padEnd(10)} ${rss.padEnd(9)} log ${instance.logFile}`);
    }
    if (unhealthy) process.exitCode = 1;
  });

program
  .command('env')
  .argument('[names...]', 'servers to export; all running when omitted')
  .description('print `export NAME=value` lines for a shell: eval "$(npm run -s services -- env)"')
  .action((args: string[]) => {
    const selected = names(args);
    for (const instance of readState(cliStateFile()).instances.filter((candidate) => selected.includes(candidate.name) && alive(candidate))) {
      for (const line of exportsFor(instance)) console.log(`export ${line}`);
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
