import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './messages.js';

export type StartMessage = Extract<ToWorker, { type: 'start' }>;

export interface WorkerOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  error?: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerHandle {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Asks the worker to stop after its current batch. */
  cancel(): void;
  /** Ends the worker at once (SIGKILL). */
  kill(): void;
  /** Settles once the process has exited, with what it reported or how it died. */
  readonly done: Promise<WorkerOutcome>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The worker's entry: next to this module, as .ts when running from source (tests, CLI through
 * tsx) or as the built .js in the packaged app.
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const ts = path.join(here, 'worker.ts');
  if (import.meta.url.endsWith('.ts') && fs.existsSync(ts)) {
    // Resolved to an absolute URL so the worker starts from any working directory.
    return { file: ts, execArgv: [`--import=${import.meta.resolve('tsx')}`] };
  }
  return { file: path.join(here, 'worker.js'), execArgv: [] };
}

/**
 * Starts one run in its own process. A worker owns TensorFlow.js and nothing else: if it throws,
 * runs out of memory or is killed, only this promise learns of it, never the caller's process.
 */
export function startWorker(start: StartMessage, onMessage: (m: FromWorker) => void, opts: { entry?: string } = {}): WorkerHandle {
  const entry = opts.entry ? { file: opts.entry, execArgv: [] } : workerEntry();
  const env = { ...process.env };
  // Inside Electron, process.execPath is the Electron binary: run it as plain Node for the worker.
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  const child = fork(entry.file, [], {
    execArgv: entry.execArgv,
    env,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let terminal: FromWorker | null = null;
  child.on('message', (m: FromWorker) => {
    if (m.type === 'evaluated' || m.type === 'cancelled' || m.type === 'failed') terminal = m;
    onMessage(m);
  });
  const done = new Promise<WorkerOutcome>((resolve) => {
    let settled = false;
    const settle = (o: WorkerOutcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    child.on('error', (e) => settle({ status: 'failed', error: `worker could not start: ${e.message}`, exitCode: null, signal: null }));
    child.on('exit', (code, signal) => {
      const t = terminal as FromWorker | null;
      if (t?.type === 'evaluated' && code === 0) return settle({ status: 'completed', exitCode: code, signal });
      if (t?.type === 'cancelled') return settle({ status: 'cancelled', exitCode: code, signal });
      if (t?.type === 'failed') return settle({ status: 'failed', error: t.error, exitCode: code, signal });
      const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory, or killed by hand)' : ''}` : `exited with code ${code}`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      settle({ status: 'failed', error: `worker ${how}${tail ? `: ${tail}` : ''}`, exitCode: code, signal });
    });
  });
  child.send(start);
  return {
    pid: child.pid,
    child,
    cancel: () => {
      if (child.connected) child.send({ type: 'cancel' } satisfies ToWorker);
    },
    kill: () => {
      child.kill('SIGKILL');
    },
    done,
  };
}
