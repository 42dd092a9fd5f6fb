import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface AgentProcess {
  name: string;
  child: ChildProcess;
  /** Everything it wrote to stderr so far (its progress lines). */
  log(): string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * A real `vitlab agent` process on a store, as a user starts it on a machine. One training thread
 * per worker (several agents share this machine's cores; a run's numbers depend on its thread
 * count, not on its agent). `env` adds to the test's environment (e.g. VITLAB_HEARTBEAT_MS).
 */
export function startAgent(location: string, name: string, workDir: string, opts: { args?: string[]; env?: NodeJS.ProcessEnv; exec?: string[] } = {}): AgentProcess {
  // `exec` runs it on another test host (netns.ts: `ip netns exec NS`, which execs, so the child is the agent itself).
  const [cmd, ...pre] = [...(opts.exec ?? []), process.execPath];
  const child = spawn(cmd, [...pre, path.join(root, 'bin/vitlab.js'), 'agent', '--store', location, '--name', name, '--work', workDir, ...(opts.args ?? [])], {
    env: { ...process.env, VITLAB_TRAIN_THREADS: '1', ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { name, child, log: () => log, exited };
}
