// better-sqlite3 built for Electron's ABI, kept in .native/electron-<version>/ beside the Node build
// in node_modules (which the CLI, `serve` and the tests use), so neither build undoes the other.
// The Electron main passes the file to better-sqlite3 as its nativeBinding.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the electron package says its binary is (the same rule as its index.js), or null before a download. */
function electronBinaryPath(pkgDir) {
  const pathFile = path.join(pkgDir, 'path.txt');
  const exe = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8') : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe || 'electron');
  return exe ? path.join(pkgDir, 'dist', exe) : null;
}

/** The first line of a failed download's output that is not a stack frame: what went wrong, in one line. */
function firstErrorLine(text) {
  const lines = String(text || '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at '));
  return (lines.find((l) => /error|fail|ENOTFOUND|ECONN|EAI_AGAIN/i.test(l)) ?? lines[0] ?? 'no output').slice(0, 200);
}

/**
 * The Electron binary and its version, or why it is not available here, in one line (never throws).
 * Electron >= 42 downloads its binary the first time `require('electron')` asks for it, with the
 * downloader's stack trace on the terminal when that fails; so the download runs here first, its
 * output kept, and only the reason is reported.
 */
export function findElectron({ onDownload } = {}) {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { ok: false, why: "Electron is not installed (run npm install)" };
  }
  let binary = electronBinaryPath(pkgDir);
  if (!binary || !fs.existsSync(binary)) {
    onDownload?.();
    const dl = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], { encoding: 'utf8', timeout: 600_000 });
    binary = electronBinaryPath(pkgDir);
    if (dl.status !== 0 || !binary || !fs.existsSync(binary)) {
      const detail = firstErrorLine(dl.stderr || dl.stdout || dl.error?.message);
      return { ok: false, why: `Electron's binary is not here and could not be downloaded (${detail})`, detail };
    }
  }
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  if (probe.status !== 0) {
    const detail = firstErrorLine(probe.stderr || probe.error?.message);
    return { ok: false, why: `Electron does not start here (${detail})`, detail };
  }
  return { ok: true, path: binary, version: probe.stdout.trim().replace(/^v/, '') };
}

export function sqliteBindingFor(version) {
  return path.join(root, '.native', `electron-${version}`, 'better_sqlite3.node');
}

/** Builds (once) better-sqlite3 for this Electron: a prebuilt binary where published, else from source. */
export function ensureElectronSqlite(version) {
  const binding = sqliteBindingFor(version);
  if (fs.existsSync(binding)) return binding;
  console.log(`Building better-sqlite3 for Electron ${version} (once)…`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-sqlite-'));
  fs.cpSync(path.join(root, 'node_modules/better-sqlite3'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) });
  const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: version, npm_config_disturl: 'https://electronjs.org/headers' };
  const pre = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', version], { cwd: work, stdio: 'inherit', env });
  if (pre.status !== 0) {
    const gyp = spawnSync('npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${version}`, '--dist-url=https://electronjs.org/headers'], { cwd: work, stdio: 'inherit', env });
    if (gyp.status !== 0) throw new Error('could not build better-sqlite3 for Electron');
  }
  fs.mkdirSync(path.dirname(binding), { recursive: true });
  fs.copyFileSync(path.join(work, 'build/Release/better_sqlite3.node'), binding);
  fs.rmSync(work, { recursive: true, force: true });
  return binding;
}
