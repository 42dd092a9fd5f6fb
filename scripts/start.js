#!/usr/bin/env node
// `npm start [-- --browser] [-- serve flags]`: build the app and open it in Electron. Where
// Electron's binary is not here and cannot be downloaded (an offline machine), or with
// `--browser`, say so in one line and run the same dashboard through `vitlab serve` in this
// process, opened in the system's browser, until Ctrl-C (exit code 0 on a clean stop).
import { spawn, spawnSync } from 'node:child_process';
import { ensureElectronSqlite, findElectron, root } from './electron-native.js';
import { openInBrowser } from './open-browser.js';

const argv = process.argv.slice(2);
const wantBrowser = argv.includes('--browser');
const serveArgs = argv.filter((a) => a !== '--browser');

async function runInBrowser() {
  const { register } = await import('tsx/esm/api');
  register();
  const { runServe } = await import('../src-main/cli/serve.ts');
  const { UsageError } = await import('../src-main/cli/args.ts');
  try {
    return await runServe(serveArgs, (s) => console.log(s), {
      onListening: (url) => {
        void openInBrowser(url).then((r) => {
          if (r.opened) console.error(`opened in the browser (${r.how}); Ctrl-C stops ViT Lab`);
          else console.error(`no browser opened (${r.why}); open this address: ${url}\nCtrl-C stops ViT Lab`);
        });
      },
    });
  } catch (e) {
    console.error(`npm start: ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** Starts Electron; resolves to its exit code, or to why it could not start. */
function runElectron() {
  // A desktop window needs a display; on a headless Linux box (a server, CI) do not fetch 100 MB for nothing.
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return Promise.resolve({ why: 'no display for the desktop app (DISPLAY and WAYLAND_DISPLAY are unset)' });
  }
  let downloading = false;
  const electron = findElectron({
    onDownload: () => {
      downloading = true;
      process.stderr.write("Electron's binary is not here yet: downloading it (once)… ");
    },
  });
  if (!electron.ok) return Promise.resolve({ why: downloading ? `failed (${electron.detail})` : `${electron.why}` });
  if (downloading) process.stderr.write('done\n');
  try {
    ensureElectronSqlite(electron.version);
  } catch (e) {
    return Promise.resolve({ why: `${e.message}` });
  }
  return new Promise((resolve) => {
    const child = spawn(electron.path, [root], { stdio: 'inherit' });
    // Ctrl-C reaches Electron too (same process group) and it quits gracefully; SIGTERM sent to
    // this script alone is passed on.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('error', (e) => resolve({ why: `Electron could not start (${e.message})` }));
    child.on('exit', (code) => resolve({ code: code ?? 0 }));
  });
}

const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

if (!wantBrowser) {
  const r = await runElectron();
  if ('code' in r) process.exit(r.code);
  console.error(`${r.why}: serving the dashboard to a browser instead (npm start -- --browser does this on purpose).`);
}
process.exit(await runInBrowser());
