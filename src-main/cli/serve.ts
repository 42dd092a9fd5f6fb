import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type RunningServer } from '../api/ws.js';
import { openContext } from '../app/open-context.js';
import { MAX_IMAGE_BYTES } from '../inspect/formats.js';
import { numberFlag, parseFlags } from './args.js';
import { STORE_FLAGS, storeChoiceFromFlags } from './open.js';
import { DB_FLAGS } from './train.js';

/** The largest request body or WebSocket message: room for an own image (inspect/predict carries up to MAX_IMAGE_BYTES as base64) and the JSON around it. */
export const SERVE_MAX_BODY = Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 64 * 1024;

export const SERVE_USAGE = `vitlab serve [--port N] [--store URL|PATH] [--data DIR] [--concurrency N] [--static DIR]
  Serves the dashboard and its API on 127.0.0.1 only, behind a random token; prints the address to
  open. Queued runs train in worker processes as in the desktop app. Ctrl-C stops (running runs are
  cancelled and can be resumed; queued runs stay queued).
  Without --store: VITLAB_STORE, VITLAB_DB, the store saved in Settings, else the default file.
  --store postgres://…: the dashboard of a shared PostgreSQL store. It trains nothing itself:
  runs and sweeps started there are queued in the store for \`vitlab agent\` processes; cancel,
  resume, edit and delete write to the store (an agent stops a run cancelled there).`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The built dashboard: built on first use so `serve` works right after `npm install`, and rebuilt
 * when its sources are newer than the build (after a pull or an edit), never served stale.
 */
function ensureRenderer(dir: string | undefined): string {
  if (dir) {
    const staticDir = path.resolve(dir);
    if (!fs.existsSync(path.join(staticDir, 'index.html'))) throw new Error(`--static: ${staticDir} has no index.html`);
    return staticDir;
  }
  const staticDir = path.join(root, 'out/renderer');
  const built = path.join(staticDir, 'index.html');
  // src-shared is bundled into the dashboard too (statistics, groups): an edit there rebuilds it.
  const sources = Math.max(
    newestMtime(path.join(root, 'src-renderer')),
    newestMtime(path.join(root, 'src-shared')),
    fs.statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs,
  );
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) {
    process.stderr.write('building the dashboard…\n');
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0 || !fs.existsSync(built)) throw new Error('could not build the dashboard (npx electron-vite build failed)');
  }
  return staticDir;
}

/** `npm start` opens the printed address in a browser; the CLI only prints it. */
export interface ServeHooks {
  onListening?: (url: string) => void;
}

export async function runServe(argv: string[], print: (s: string) => void, hooks: ServeHooks = {}): Promise<number> {
  const { values } = parseFlags(argv, { ...DB_FLAGS, ...STORE_FLAGS, port: { type: 'string' }, concurrency: { type: 'string' }, static: { type: 'string' } }, { configFlags: false });
  if (values.help) {
    print(SERVE_USAGE);
    return 0;
  }
  const choice = storeChoiceFromFlags(values);
  const staticDir = ensureRenderer(values.static as string | undefined);
  const opened = await openContext(choice, {
    dataDir: values.data as string | undefined,
    concurrency: numberFlag('concurrency', values.concurrency as string | undefined) ?? 1,
  });
  let server: RunningServer | undefined;
  try {
    const interrupted = opened.start();
    if (interrupted.length) process.stderr.write(`${interrupted.length} run(s) left running by a previous process are now interrupted: ${interrupted.join(', ')}\n`);
    server = await serve(opened.ctx, { port: numberFlag('port', values.port as string | undefined), staticDir, maxBody: SERVE_MAX_BODY, moreEvents: opened.moreEvents });
    print(`ViT Lab: ${server.url}`);
    process.stderr.write(opened.banner.map((l) => `${l}\n`).join(''));
    hooks.onListening?.(server.url);
    await untilStopped();
    if (opened.engine) process.stderr.write('stopping: cancelling running runs (they can be resumed), keeping the queue…\n');
  } finally {
    await server?.close();
    await opened.close({ cancelRunning: true });
  }
  return 0;
}

function untilStopped(): Promise<void> {
  let stopping = false;
  return new Promise<void>((resolve) => {
    // One Ctrl-C under `npm start` arrives twice (from the terminal to the whole process group,
    // and forwarded by npm, late when the machine is loaded: seen after the stop had finished),
    // so a repeat is ignored rather than taken for "stop now", and the handlers stay installed
    // until the process exits: without one, a late repeat would kill it (exit by SIGINT, not 0).
    const stop = () => {
      if (stopping) return;
      stopping = true;
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
