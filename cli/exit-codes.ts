/** Exit codes scripts can rely on (also listed in the README). */
export const ExitCode = {
  /** Everything read was written. */
  Ok: 0,
  /** The pipeline failed (a sink or source error that retries did not fix). */
  Failed: 1,
  /** Bad usage or configuration: nothing was run. */
  Usage: 2,
  /** With `--strict`: finished, but some records went to the dead-letter output (counts printed). */
  DeadLetters: 3,
  /** Stopped by a signal before the end of input; `--resume` continues. */
  Interrupted: 130,
} as const;
