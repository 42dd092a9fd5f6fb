#!/usr/bin/env node
// `npm start`: build the app, make sure better-sqlite3 exists for Electron's ABI, and open the
// app in Electron. Electron downloads its binary on first run; where it cannot (an offline
// machine), say so and how to use ViT Lab in a browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { ensureElectronSqlite, findElectron, root } from './electron-native.js';

function fail(message) {
  console.error(message);
  console.error('ViT Lab also runs in a browser: `npx vitlab serve` prints a local address to open.');
  process.exit(1);
}

const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const electron = findElectron();
if (!electron.ok) fail(`${electron.why}.`);
try {
  ensureElectronSqlite(electron.version);
} catch (e) {
  fail(`${e.message}.`);
}
const child = spawn(electron.path, [root], { stdio: 'inherit' });
child.on('error', (e) => fail(`Electron could not start (${e.message}).`));
child.on('exit', (code) => process.exit(code ?? 0));
