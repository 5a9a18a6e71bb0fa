import { readFileSync } from 'node:fs';
import { kafka } from '../services/kafka/kafka.js';
import { spawnServer, stopGroup } from '../services/process-group.js';
import type { ServiceInstance } from '../services/types.js';

/**
 * A Kafka broker of this test's own (the launcher's kafka module: KRaft, one combined broker+controller)
 * that can be stopped and started again on the same ports and data directory — what an operator's
 * restart or a broker crash and recovery does. The launcher's shared broker is never restarted.
 */
export class RestartableKafka {
  private command: string[] = [];

  private constructor(private instance: ServiceInstance<'kafka'>) {}

  static async start(): Promise<RestartableKafka> {
    await kafka.install();
    const instance = await kafka.start();
    try {
      await kafka.ready(instance);
    } catch (error) {
      await kafka.stop(instance);
      throw error;
    }
    return new RestartableKafka(instance);
  }

  get brokers(): readonly string[] {
    return this.instance.settings.brokers;
  }

  get bootstrap(): string {
    return this.instance.settings.bootstrap;
  }

  /** Stops the broker (SIGTERM: a controlled shutdown) and keeps its data directory. */
  async stopBroker(): Promise<void> {
    this.command = readFileSync(`/proc/${this.instance.pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
    await stopGroup(this.instance.pid, this.instance.startTicks, 'SIGTERM', 30_000);
  }

  /** Starts the stopped broker again: the same command line, ports and data directory. */
  async startBroker(): Promise<void> {
    const [command, ...args] = this.command;
    const spawned = spawnServer({ command: command!, args, env: { ...process.env }, cwd: this.instance.dir, logFile: this.instance.logFile });
    this.instance = { ...this.instance, pid: spawned.pid, startTicks: spawned.startTicks };
    await kafka.ready(this.instance);
  }

  async stop(): Promise<void> {
    await kafka.stop(this.instance);
  }
}
