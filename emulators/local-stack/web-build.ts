import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const VITE_CONFIG = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));

/** Builds the SPA for production into `outDir` (what `npm run build:web` does, elsewhere). */
export async function buildWebApp(outDir: string): Promise<void> {
  await build({
    configFile: VITE_CONFIG,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}
