import { readFile } from 'node:fs/promises';

export interface RssSample {
  /** Seconds since sampling started. */
  readonly atSeconds: number;
  readonly mib: number;
  /** CPU time (user + system) the process used since sampling started, in seconds. */
  readonly cpuSeconds: number;
}

/** Resident set size of a process from `/proc/<pid>/status` (Linux), in MiB. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** CPU time (user + system) a process has used, from `/proc/<pid>/stat`, in seconds. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

// USER_HZ: 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** Samples a process's RSS and CPU time at start and every `everyMs` until stopped (and once more at stop). */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private cpuAtStart = 0;

  constructor(private readonly pid: number, private readonly everyMs = 10_000, private readonly onSample?: (sample: RssSample) => void) {}

  async start(): Promise<void> {
    this.startedAt = Date.now();
    this.cpuAtStart = await cpuSecondsOf(this.pid);
    await this.sample();
    this.timer = setInterval(() => void this.sample().catch(() => undefined), this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sample().catch(() => undefined);
  }

  private async sample(): Promise<void> {
    const [mib, cpu] = await Promise.all([rssOf(this.pid), cpuSecondsOf(this.pid)]);
    const sample = { atSeconds: (Date.now() - this.startedAt) / 1000, mib, cpuSeconds: cpu - this.cpuAtStart };
    this.samples.push(sample);
    this.onSample?.(sample);
  }
}

/** Least-squares slope in MiB per minute over the samples of the second half of the run. */
export function rssSlopeMibPerMinute(samples: readonly RssSample[]): number {
  if (samples.length < 2) return Number.NaN;
  const end = samples[samples.length - 1]!.atSeconds;
  const half = samples.filter((s) => s.atSeconds >= end / 2);
  if (half.length < 2) return Number.NaN;
  const meanT = half.reduce((sum, s) => sum + s.atSeconds, 0) / half.length;
  const meanM = half.reduce((sum, s) => sum + s.mib, 0) / half.length;
  let num = 0;
  let den = 0;
  for (const s of half) {
    num += (s.atSeconds - meanT) * (s.mib - meanM);
    den += (s.atSeconds - meanT) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 60;
}
