import type { Command } from 'commander';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { ConfigError, EngineEvents } from '../engine/index.js';
import { ExitCode } from './exit-codes.js';
import { dropMigrationSlot, runMigrate } from './migrate.js';
import { MigrateProgress } from './migrate-progress.js';
import { MIGRATE_TARGETS } from './migrate-target.js';
import { metricsFlagHelp, startCliMetrics, type MetricsFlags } from './metrics-option.js';
import { onStopSignals } from './stop-signals.js';

interface MigrateFlags extends MetricsFlags {
  from: string;
  to?: string;
  tables?: string;
  key?: string[];
  name: string;
  snapshotOnly?: boolean;
  dropSlot?: boolean;
  out: string;
  progress: boolean;
}

/** Adds `cloudpulse migrate` to the program. */
export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('copy PostgreSQL tables to a target, then follow their changes (logical replication) until stopped')
    .requiredOption('--from <url>', 'the source: postgres://user@host:port/database (wal_level = logical unless --snapshot-only)')
    .option('--to <url>', `the target: ${MIGRATE_TARGETS}`)
    .option('--tables <list>', 'tables to copy, comma-separated: table or schema.table')
    .option('--key <table=col,col...>', 'key columns of a table without a primary key (repeatable)')
    .option('--name <name>', 'names the replication slot and publication (cloudpulse_<name>) and the target pipeline', 'migrate')
    .option('--snapshot-only', 'copy the tables once (one consistent snapshot) and stop; no slot, no publication')
    .option('--drop-slot', 'the migration is finished: remove its slot and publication from the source, then exit')
    .option('--out <dir>', 'where the dead-letter file goes', './cloudpulse-out')
    .option('--no-progress', 'no progress output')
    .option('--metrics-host <host>', metricsFlagHelp.host)
    .option('--metrics-port <port>', metricsFlagHelp.port)
    .option('--no-metrics', metricsFlagHelp.off)
    .action(async (flags: MigrateFlags) => {
      process.exitCode = await migrateCommand(flags);
    });
}

async function migrateCommand(flags: MigrateFlags): Promise<number> {
  if (flags.dropSlot === true) {
    const dropped = await dropMigrationSlot(flags.from, flags.name);
    process.stdout.write(`slot cloudpulse_${flags.name}: ${dropped.slot ? 'dropped' : 'not found'}; publication cloudpulse_${flags.name}: ${dropped.publication ? 'dropped' : 'not found'}\n`);
    return ExitCode.Ok;
  }
  if (flags.to === undefined) throw new ConfigError('to', `name the target (--to ${MIGRATE_TARGETS})`);
  const tables = (flags.tables ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  const keys: Record<string, string[]> = {};
  for (const entry of flags.key ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new ConfigError('key', `expected <table>=<col,col>, got ${JSON.stringify(entry)}`);
    keys[entry.slice(0, at)] = entry.slice(at + 1).split(',').map((c) => c.trim()).filter((c) => c !== '');
  }
  const events = new EngineEvents();
  const progress = flags.progress ? new MigrateProgress(process.stderr) : undefined;
  const metrics = await startCliMetrics(flags, events, process.stderr);
  const stop = onStopSignals();
  try {
    const summary = await runMigrate({
      from: flags.from,
      to: flags.to,
      tables,
      keys,
      name: flags.name,
      snapshotOnly: flags.snapshotOnly === true,
      out: resolve(flags.out),
      events,
      signal: stop.signal,
      logger: pino({ level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)),
      ...(metrics === undefined ? {} : { registry: metrics.registry }),
      ...(progress === undefined ? {} : { onSnapshotProgress: (p) => progress.onSnapshot(p), onReplicationStatus: (s) => progress.onReplication(s) }),
    });
    for (const [table, rows] of Object.entries(summary.rowsOut)) process.stdout.write(`  ${table}: ${rows} rows and changes written\n`);
    if (summary.deadLettered > 0) process.stdout.write(`  dead letters: ${summary.deadLettered} → ${resolve(flags.out)}\n`);
    if (summary.stoppedEarly) {
      process.stdout.write('  stopped; run the same command again to continue (the target holds the positions)\n');
      return ExitCode.Interrupted;
    }
    return ExitCode.Ok;
  } finally {
    stop.dispose();
    await metrics?.close();
  }
}
