import { readFile } from 'node:fs/promises';

export const MIB = 1024 * 1024;

/** VmRSS and VmHWM (the kernel's high-water mark) of a process, in bytes, from /proc. */
export async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/**
 * Samples another process's VmRSS every `intervalMs` until stopped and keeps the peak: the
 * kernel's VmHWM cannot be reset without privileges, so a peak over one window is sampled.
 */
export class RssSampler {
  private peakBytes = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  static async start(pid: number, intervalMs = 20): Promise<RssSampler> {
    const sampler = new RssSampler(pid, intervalMs);
    await sampler.sample();
    return sampler;
  }

  private async sample(): Promise<void> {
    const { rss } = await memoryOf(this.pid).catch(() => ({ rss: 0 }));
    this.peakBytes = Math.max(this.peakBytes, rss);
  }

  /** Stops sampling and answers the peak, including one last sample. */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.sample();
    return this.peakBytes;
  }
}
