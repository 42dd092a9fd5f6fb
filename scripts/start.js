#!/usr/bin/env node
// `npm start`: build the app and open it in Electron. Electron's binary downloads on first run;
// where it cannot (an offline machine), say so and how to use ViT Lab in a browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath;
try {
  electronPath = require('electron');
} catch (e) {
  console.error(`Electron is not available here (${e.message.split('\n')[0]}).`);
  console.error('ViT Lab also runs in a browser: `npx vitlab serve` prints a local address to open.');
  process.exit(1);
}
const child = spawn(electronPath, ['.'], { stdio: 'inherit' });
child.on('error', (e) => {
  console.error(`Electron could not start (${e.message}). Use \`npx vitlab serve\` to open ViT Lab in a browser.`);
  process.exit(1);
});
child.on('exit', (code) => process.exit(code ?? 0));
