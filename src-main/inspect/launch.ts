import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttentionResult, InspectJob, InspectReply, PredictionsResult } from './messages.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** worker.ts beside this module from source (tests, CLI through tsx); inspect-worker.js in a build (electron.vite.config.ts). */
function entry(): { file: string; execArgv: string[] } {
  const ts = path.join(here, 'worker.ts');
  if (import.meta.url.endsWith('.ts') && fs.existsSync(ts)) return { file: ts, execArgv: [`--import=${import.meta.resolve('tsx')}`] };
  return { file: path.join(here, 'inspect-worker.js'), execArgv: [] };
}

/** Killed past this: a job is seconds (10,000 seed-model predictions ≈ 10 s on wasm). */
const JOB_TIMEOUT_MS = 5 * 60_000;

/**
 * At most this many inspection processes at once; the rest wait their turn. A user clicking
 * through thumbnails must not start a process (≈ 100 MB, a second of start-up) per click at once
 * on a machine that is also training.
 */
const MAX_RUNNING = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function turn<T>(f: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Runs one inspection job in its own process and settles with its result, or an Error saying
 * what went wrong (its own message, or how the process died).
 */
export function runInspectJob(job: Extract<InspectJob, { type: 'predictions' }>): Promise<PredictionsResult>;
export function runInspectJob(job: Extract<InspectJob, { type: 'attention' }>): Promise<AttentionResult>;
export function runInspectJob(job: Extract<InspectJob, { type: 'weights' }>): Promise<Uint8Array>;
export function runInspectJob(job: InspectJob): Promise<AttentionResult | PredictionsResult | Uint8Array> {
  return turn(() => runInProcess(job));
}

function runInProcess(job: InspectJob): Promise<AttentionResult | PredictionsResult | Uint8Array> {
  const e = entry();
  const env = { ...process.env };
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  const child = fork(e.file, [], { execArgv: e.execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    let reply: InspectReply | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), JOB_TIMEOUT_MS);
    child.on('message', (m: InspectReply) => {
      reply = m;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`inspect: the worker could not start: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const r = reply as InspectReply | null;
      if (r?.type === 'done') return resolve(r.result);
      if (r?.type === 'error') return reject(new Error(r.error));
      const tail = stderr.trim().split('\n').slice(-2).join(' | ');
      reject(new Error(`inspect: the worker ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`));
    });
    child.send(job);
  });
}
