import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * utime + stime of a `/proc/<pid>/stat` line, in clock ticks: the CPU the process's threads
 * have used, in user and kernel mode (its waited-for children are counted apart, not here).
 */
export function cpuTicksOfStat(stat: string): number {
  // Field 2, the command name, is in parentheses and may hold spaces and ')' itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (field 14) and stime (field 15) are 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`no utime and stime in /proc stat line: ${stat.slice(0, 200)}`);
  }
  return utime + stime;
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc's CPU times (100 on Linux, asked once). */
function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return ticksPerSecond;
}

/**
 * The CPU time (user + system) another process has used so far, in ms, from /proc. Its
 * resolution is one clock tick (10 ms): a window must hold far more CPU than that.
 */
export async function cpuTimeOf(pid: number): Promise<number> {
  const ticks = cpuTicksOfStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  return (ticks * 1000) / clockTicksPerSecond();
}

/**
 * Resolves once the process used at most one clock tick of CPU over `spanMs` (work it was
 * given is over; an idle controller uses ~3 ms a second); rejects after `timeoutMs`.
 */
export async function untilCpuQuiet(pid: number, spanMs = 500, timeoutMs = 30_000): Promise<void> {
  const tickMs = 1000 / clockTicksPerSecond();
  const deadline = performance.now() + timeoutMs;
  let before = await cpuTimeOf(pid);
  while (performance.now() < deadline) {
    await sleep(spanMs);
    const after = await cpuTimeOf(pid);
    if (after - before <= tickMs) return;
    before = after;
  }
  throw new Error(`process ${pid} still busy after ${timeoutMs} ms`);
}
