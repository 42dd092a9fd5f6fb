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

/** The Electron binary and its version, or why it is not available here (never throws). */
export function findElectron() {
  let electronPath;
  try {
    // Electron >= 42 downloads its binary the first time this is asked for.
    electronPath = require('electron');
  } catch (e) {
    return { ok: false, why: `Electron's binary is not available (${String(e.message).split('\n')[0]})` };
  }
  const probe = spawnSync(electronPath, ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  if (probe.status !== 0) return { ok: false, why: `Electron does not start here (${(probe.stderr || probe.error?.message || '').trim().split('\n')[0]})` };
  return { ok: true, path: electronPath, version: probe.stdout.trim().replace(/^v/, '') };
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
