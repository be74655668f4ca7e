import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The SPA's build: `npm run build:web` writes dist/web, which any static host can serve. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2048,
  },
});
