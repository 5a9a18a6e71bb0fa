import { readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { quoteIdentifier } from '../../connectors/postgres/quote-identifier.js';
import { postgres } from '../services/postgres/postgres.js';
import { spawnServer, stopGroup } from '../services/process-group.js';
import type { ServiceInstance } from '../services/types.js';

/**
 * A PostgreSQL server of this test's own (the launcher's postgres module: fresh cluster, `wal_level=logical`)
 * that can be restarted in place: a fast shutdown, then the same postmaster command line on the same
 * data directory and port — what an operator's restart does.
 */
export class RestartablePostgres {
  private constructor(private instance: ServiceInstance<'postgres'>) {}

  static async start(): Promise<RestartablePostgres> {
    await postgres.install();
    const instance = await postgres.start();
    try {
      await postgres.ready(instance);
    } catch (error) {
      await postgres.stop(instance);
      throw error;
    }
    return new RestartablePostgres(instance);
  }

  get url(): string {
    return this.instance.settings.url;
  }

  /** `postgres://…/<database>` on this server. */
  databaseUrl(database: string): string {
    const { host, port, user } = this.instance.settings;
    return `postgres://${user}@${host}:${port}/${database}`;
  }

  /** Creates `database` on this server and returns its URL. */
  async createDatabase(database: string): Promise<string> {
    const admin = new pg.Client({ connectionString: this.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    } finally {
      await admin.end();
    }
    return this.databaseUrl(database);
  }

  /** Restarts the server; `settings` (`-c name=value`, later ones win) change its configuration from now on. */
  async restart(settings: readonly string[] = []): Promise<void> {
    const [command, ...current] = readFileSync(`/proc/${this.instance.pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
    const args = [...current, ...settings.flatMap((setting) => ['-c', setting])];
    const owner = statSync(this.instance.dir);
    await stopGroup(this.instance.pid, this.instance.startTicks, 'SIGINT', 15_000);
    const spawned = spawnServer({
      command: command!,
      args,
      env: { ...process.env, HOME: this.instance.dir, LC_ALL: 'C.UTF-8' },
      cwd: this.instance.dir,
      logFile: this.instance.logFile,
      ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    this.instance = { ...this.instance, pid: spawned.pid, startTicks: spawned.startTicks };
    await postgres.ready(this.instance);
  }

  async stop(): Promise<void> {
    await postgres.stop(this.instance);
  }
}
