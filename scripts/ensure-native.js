#!/usr/bin/env node
// better-sqlite3 is compiled for one Node ABI. `npm test` and the CLI need Node's build; if the
// module in node_modules was built for another runtime (or an older Node), rebuild it for this one
// so a user can run tests at any time, whatever they ran before.
import { execFileSync, spawnSync } from 'node:child_process';

const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { encoding: 'utf8' });
if (probe.status === 0) process.exit(0);
const why = (probe.stderr || '').split('\n').find((l) => /NODE_MODULE_VERSION|Error/.test(l)) ?? 'it does not load';
console.error(`better-sqlite3 does not load in Node ${process.versions.node} (${why.trim()}); rebuilding it from source for this Node (about 2 minutes)…`);
execFileSync('npm', ['rebuild', 'better-sqlite3', '--build-from-source'], { stdio: 'inherit' });
