import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { ReadinessCheck } from '../http/health.js';

/** Ready when the recordings directory exists and we may write (and so delete) in it. */
export function outputDirWritable(outputDir: string): ReadinessCheck {
  return async () => {
    try {
      if (!(await stat(outputDir)).isDirectory()) {
        throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      }
      await access(outputDir, constants.W_OK | constants.R_OK | constants.X_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new Error(`${outputDir} is not a writable directory (${code})`);
    }
  };
}
