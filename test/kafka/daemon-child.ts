// The daemon as its own process, for tests that SIGKILL or SIGTERM it: argv[2] is a daemon config
// object (JSON); a pipeline whose topology is `kafka-passthrough` gets the test topology, the others
// a built-in one. Logs JSON lines on stdout like `cloudpulse run`; exits with the daemon's code.
import { pino } from 'pino';
import { daemonConfigSchema, checkDaemonConfig, type CheckedPipeline } from '../../cli/daemon-config.js';
import { validateConfig } from '../../cli/load-config.js';
import { runDaemon } from '../../cli/run-daemon.js';
import { onStopSignals } from '../../cli/stop-signals.js';
import { kafkaPassthroughTopology } from './kafka-passthrough-topology.js';

const input = JSON.parse(process.argv[2] ?? '{}') as { pipelines?: { topology?: string }[] };
const custom = (input.pipelines ?? []).some((p) => p.topology === kafkaPassthroughTopology.name);
let checked: { config: ReturnType<typeof checkDaemonConfig>['config']; pipelines: CheckedPipeline[] };
if (custom) {
  const config = validateConfig(daemonConfigSchema, input);
  checked = { config, pipelines: config.pipelines.map((p) => ({ config: p, topology: kafkaPassthroughTopology, options: {} })) };
} else {
  checked = checkDaemonConfig(input);
}
const stop = onStopSignals();
const code = await runDaemon({ ...checked, logger: pino({ level: 'info', base: { pid: process.pid } }), signal: stop.signal });
stop.dispose();
process.exit(code);
