import type { ChildProcess } from 'node:child_process';

/**
 * A child spawned in its own process group (`detached`) no longer dies with its parent's
 * terminal; this kills it when the parent exits without having stopped it (a thrown error,
 * `process.exit`). Nothing can do that for a parent killed by SIGKILL.
 */
export function stopWithParent(child: ChildProcess): void {
  const killChild = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));
}
