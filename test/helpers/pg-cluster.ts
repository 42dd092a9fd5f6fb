/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temp folder, one free loopback port, its
 * unix socket in that folder, trust authentication for loopback (and opts.listen) only (initdb's default pg_hba
 * lines: local socket, 127.0.0.1/32, ::1/128; listen_addresses is 127.0.0.1, plus opts.listen), durability off
 * (fsync) since it is thrown away. Stopped and removed at the end, also when a test fails, and on
 * process exit if the test process dies first.
 *
 * The server binaries are Debian's (`postgresql`, installed by scripts/setup-test.sh). Without
 * them the tests FAIL naming the package: CI installs it, so a skip would hide a broken setup.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin folder (`VITLAB_PG_BIN` overrides). */
export function postgresBinDir(): string {
  const given = process.env.VITLAB_PG_BIN;
  if (given) {
    if (!existsSync(join(given, 'initdb'))) throw new Error(`VITLAB_PG_BIN=${given} has no initdb`);
    return given;
  }
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL server binaries not found (no ${PG_ROOT}/*/bin/initdb): install Debian's \`postgresql\` package (bash scripts/setup-test.sh does), or set VITLAB_PG_BIN to a folder holding initdb and postgres`,
    );
  }
  return join(PG_ROOT, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** initdb refuses root: as root the cluster belongs to the `postgres` user; otherwise to whoever runs the tests. */
function asOwner(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export interface PgCluster {
  /** A superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** A new empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

let dbCounter = 0;

export interface PgClusterOptions {
  /**
   * More addresses to listen on besides 127.0.0.1 (e.g. the database host's side of the test
   * network, test/helpers/netns.ts), each with trust for its /24 in pg_hba.conf. They must exist
   * when the server starts.
   */
  listen?: string[];
}

export async function startPostgres(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'vitlab-pg-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let child: ChildProcess | undefined;
  // The server's own pid (postmaster.pid): as root the child is runuser, which does not pass every
  // signal on, so stopping it could leave the server running on a folder already removed.
  let serverPid: number | undefined;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const killOnExit = () => {
    if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGQUIT');
    child?.kill('SIGKILL');
    remove();
  };
  try {
    if (process.getuid?.() === 0) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres']).stdout), Number(spawnSync('id', ['-g', 'postgres']).stdout));
    const data = join(dir, 'data');
    const [icmd, iargs] = asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'vitlab', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    const init = spawnSync(icmd, iargs, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout || init.error?.message}`);
    const extra = opts.listen ?? [];
    for (const address of extra) appendFileSync(join(data, 'pg_hba.conf'), `host all all ${address.replace(/\.\d+$/, '.0')}/24 trust\n`);

    const port = await freePort();
    const [pcmd, pargs] = asOwner(join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-k', dir,
      '-c', `listen_addresses=${['127.0.0.1', ...extra].join(',')}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=60', '-c', 'shared_buffers=32MB',
    ]);
    let log = '';
    child = spawn(pcmd, pargs, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    process.once('exit', killOnExit);
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    const url = `postgres://vitlab@127.0.0.1:${port}/postgres`;
    const pidFile = join(data, 'postmaster.pid');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        await c.end();
        break;
      } catch (e) {
        await c.end().catch(() => {});
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${(e as Error).message}\n${log}`, { cause: e });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    serverPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);

    return {
      url,
      port,
      async createDatabase(name = `t${process.pid}_${++dbCounter}`) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE "${name}"`);
        } finally {
          await c.end();
        }
        return `postgres://vitlab@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        process.removeListener('exit', killOnExit);
        // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, no wait for them.
        if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGINT');
        const deadline = Date.now() + 15_000;
        while (serverPid !== undefined && alive(serverPid)) {
          if (Date.now() > deadline) process.kill(serverPid, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 50));
        }
        if (child && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
        remove();
      },
    };
  } catch (e) {
    process.removeListener('exit', killOnExit);
    killOnExit();
    throw e;
  }
}
