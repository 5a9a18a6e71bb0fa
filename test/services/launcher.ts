import { freemem } from 'node:os';

import { serviceModule } from './modules.js';
import type { ServiceInstance, ServiceName } from './types.js';

/** How long each step took, for the launcher's one-line reports. */
export interface LaunchTiming {
  readonly name: ServiceName;
  readonly installMs: number;
  /** From spawn to the first successful health call. */
  readonly startMs: number;
}

/** Options of {@link launchServices}. */
export interface LaunchOptions {
  readonly baseDir?: string;
  /** Called right after a server is spawned, before it is ready: record it where cleanup will find it. */
  readonly onSpawned?: (instance: ServiceInstance) => void;
  /** Memory the parallel starts may use, in MiB; by default 80% of the memory available now. */
  readonly memoryBudgetMiB?: number;
}

/** Runs `task`s at most as many at once as fit the memory budget (always at least one). */
async function withinBudget<T>(items: readonly { readonly weight: number; readonly run: () => Promise<T> }[], budget: number): Promise<PromiseSettledResult<T>[]> {
  let used = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (weight: number): Promise<void> => {
    while (used > 0 && used + weight > budget) await new Promise<void>((wake) => waiting.push(wake));
    used += weight;
  };
  const release = (weight: number): void => {
    used -= weight;
    for (const wake of waiting.splice(0)) wake();
  };
  return Promise.allSettled(
    items.map(async (item) => {
      await acquire(item.weight);
      try {
        return await item.run();
      } finally {
        release(item.weight);
      }
    }),
  );
}

/** Stops servers in parallel; reports every failure together. */
export async function stopServices(instances: readonly ServiceInstance[]): Promise<void> {
  const results = await Promise.allSettled(instances.map((instance) => serviceModule(instance.name).stop(instance)));
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [`${instances[i]?.name}: ${String(result.reason)}`] : []));
  if (failures.length > 0) throw new Error(`could not stop every server:\n${failures.join('\n')}`);
}

/**
 * Installs (when needed), starts and waits for the given servers, in parallel as far as memory allows. A
 * server keeps its budget until it stops, so big servers do not all start at once on a small machine. When
 * any server fails, every server this call started is stopped again and the error names each failure.
 */
export async function launchServices(
  names: readonly ServiceName[],
  options: LaunchOptions = {},
): Promise<{ instances: ServiceInstance[]; timings: LaunchTiming[] }> {
  const installMs = new Map<ServiceName, number>();
  // Sequential: two Maven runs writing the same local repository at once may corrupt it.
  for (const name of names) {
    const started = Date.now();
    await serviceModule(name).install();
    installMs.set(name, Date.now() - started);
  }
  const budget = options.memoryBudgetMiB ?? Math.floor((freemem() / 1024 / 1024) * 0.8);
  const spawned: ServiceInstance[] = [];
  const results = await withinBudget(
    names.map((name) => ({
      weight: serviceModule(name).memoryMiB,
      run: async (): Promise<{ instance: ServiceInstance; startMs: number }> => {
        const module = serviceModule(name);
        const started = Date.now();
        const instance = await module.start(options.baseDir === undefined ? {} : { baseDir: options.baseDir });
        spawned.push(instance);
        options.onSpawned?.(instance);
        await module.ready(instance);
        return { instance, startMs: Date.now() - started };
      },
    })),
    budget,
  );
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [`${names[i]}: ${(result.reason as Error).message ?? String(result.reason)}`] : []));
  if (failures.length > 0) {
    await stopServices(spawned).catch(() => undefined);
    throw new Error(`could not start every server:\n${failures.join('\n')}`);
  }
  const ok = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  return {
    instances: ok.map((r) => r.instance),
    timings: ok.map((r) => ({ name: r.instance.name, installMs: installMs.get(r.instance.name) ?? 0, startMs: r.startMs })),
  };
}
