import { pino } from 'pino';
import { loadDaemonConfig } from './daemon-config.js';
import { runDaemon } from './run-daemon.js';
import { onStopSignals } from './stop-signals.js';

/**
 * `cloudpulse run --config <file>`: validates the whole config first (a bad field throws a `ConfigError`
 * naming it: exit 2), then runs the daemon with JSON log lines on stdout; resolves with the exit code.
 */
export async function runDaemonCommand(configPath: string): Promise<number> {
  const { config, pipelines } = await loadDaemonConfig(configPath);
  const logger = pino({ level: config.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  const stop = onStopSignals();
  try {
    return await runDaemon({ config, pipelines, logger, signal: stop.signal });
  } finally {
    stop.dispose();
  }
}
