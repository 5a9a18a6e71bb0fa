/**
 * Graceful stop on SIGINT/SIGTERM (DESIGN.md invariant 8): the first signal aborts the returned signal
 * (stop reading, drain, flush, commit); a second one exits at once.
 */
export function onStopSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`cloudpulse: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`cloudpulse: ${signal}: draining in-flight records, flushing sinks, committing (send again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
