import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// Three builds as electron-vite's templates do them: the main process (with the training worker
// as a second entry, so it can be forked from the packaged app), the preload, and the renderer.
// Dependencies stay external in main: better-sqlite3 is native and tfjs-backend-wasm loads its
// .wasm files from its own folder at run time.
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: {
          main: resolve(__dirname, 'src-main/main.ts'),
          worker: resolve(__dirname, 'src-main/train/worker.ts'),
          // The data-parallel helper thread is started by file name from the worker.
          'parallel-helper': resolve(__dirname, 'src-main/train/parallel-helper.ts'),
          // Inspection jobs (mistakes, attention, own images) run in their own process too.
          'inspect-worker': resolve(__dirname, 'src-main/inspect/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { preload: resolve(__dirname, 'src-main/preload.ts') },
        // A sandboxed preload cannot require ESM: emit CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [svelte()],
    build: {
      // electron-vite leaves the renderer unminified by default: ~2 MB of JS instead of ~0.8.
      minify: 'esbuild',
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
  },
});
