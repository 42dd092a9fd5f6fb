#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx, so `npx vitlab` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli.ts');
process.exitCode = await main(process.argv.slice(2));
