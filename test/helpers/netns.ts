/**
 * Separate test hosts on one machine: each agent in its own network namespace, wired to the
 * database host (this test process's namespace) by a veth pair whose host end sits on one bridge.
 * The bridge holds the database host's address (10.77.S.1, PostgreSQL listens there), agent N gets
 * 10.77.S.(N+1); a host sees nothing else (no loopback route to the database), so everything an agent
 * says to the store crosses its own link, which a test can cut (`down`) and bring back (`up`).
 *
 * Needs root and iproute2 (`ip`, Debian's `iproute2`, installed by scripts/setup-test.sh).
 * Anything missing → openTestNet returns why, and the caller runs plain processes instead.
 *
 * Names are unique per run (a random tag) and the subnet S is one no interface here uses, so
 * parallel or leftover runs do not clash; close() removes every namespace and link, also when a
 * test failed, and on process exit if the test process dies first; what a killed run left is
 * removed by the next (removeLeftovers).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestHost {
  /** The network namespace's name (`ip netns exec NAME …`). */
  readonly ns: string;
  /** Its address on the test network. */
  readonly address: string;
  /** The command prefix that runs a program on this host. */
  readonly exec: string[];
  /** Cuts this host's link (its veth goes down): its packets go nowhere, as with a pulled cable. */
  down(): void;
  /** Brings its link back. */
  up(): void;
}

export interface TestNet {
  /** The database host's address on the test network. */
  readonly hostAddress: string;
  /** A new host (namespace + veth on the bridge) with the next address. */
  addHost(): TestHost;
  /** Removes every namespace and link this net made. Idempotent. */
  close(): void;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
}

/** A 10.77.S.0/24 no interface of this namespace has an address in. */
function freeSubnet(): number {
  const used = spawnSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).stdout ?? '';
  const start = 1 + (randomBytes(1)[0] % 254);
  for (let i = 0; i < 254; i++) {
    const s = 1 + ((start + i - 1) % 254);
    if (!used.includes(` 10.77.${s}.`)) return s;
  }
  throw new Error('no free 10.77.S.0/24 subnet for the test network');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes what an earlier run left when its process was killed before its exit hook ran (a
 * `timeout` around vitest): every bridge of ours names its process in its alias, and one whose
 * process is gone goes, with its namespaces (and so their veths).
 */
function removeLeftovers(): void {
  const links = spawnSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' }).stdout ?? '';
  for (const m of links.matchAll(/^\d+: (vt([0-9a-f]{6})b)[:@].*alias vitlab-test pid (\d+)/gm)) {
    if (alive(Number(m[3]))) continue;
    const namespaces = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.split(' ')[0]);
    for (const ns of namespaces.filter((n) => n.startsWith(`vitlab-${m[2]}-`))) spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', m[1]]);
  }
}

/** The test network, or why this machine cannot have one. */
export function openTestNet(): { net: TestNet } | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `network namespaces are Linux-only (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { unavailable: 'network namespaces need root' };
  if (spawnSync('ip', ['-V']).error) return { unavailable: '`ip` (iproute2) not found: install Debian\'s iproute2 (scripts/setup-test.sh does)' };
  // Interface names are at most 15 characters: vt<tag>b, vt<tag>h<N>.
  const tag = randomBytes(3).toString('hex');
  const bridge = `vt${tag}b`;
  const subnet = freeSubnet();
  const hostAddress = `10.77.${subnet}.1`;
  const namespaces: string[] = [];
  let bridgeMade = false;
  const close = () => {
    process.removeListener('exit', close);
    // The host end first (that removes its peer too): a namespace outlives `ip netns del` while
    // sockets of it still wait on a cut link, and would keep its veth on this side until then.
    for (const [i, ns] of namespaces.splice(0).entries()) {
      spawnSync('ip', ['link', 'del', `vt${tag}h${i + 1}`]);
      spawnSync('ip', ['netns', 'del', ns]);
    }
    if (bridgeMade) spawnSync('ip', ['link', 'del', bridge]);
    bridgeMade = false;
  };
  process.once('exit', close);
  try {
    // A namespace made and removed first: EPERM (an unprivileged container) shows here.
    ip(['netns', 'add', `vitlab-${tag}-probe`]);
    ip(['netns', 'del', `vitlab-${tag}-probe`]);
    removeLeftovers();
    ip(['link', 'add', bridge, 'type', 'bridge']);
    bridgeMade = true;
    ip(['link', 'set', bridge, 'alias', `vitlab-test pid ${process.pid}`]);
    ip(['addr', 'add', `${hostAddress}/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
  } catch (e) {
    close();
    return { unavailable: `cannot make the test network: ${(e as Error).message}` };
  }
  const addHost = (): TestHost => {
    const n = namespaces.length + 1;
    if (n > 250) throw new Error('the test network holds at most 250 hosts');
    const ns = `vitlab-${tag}-${n}`;
    const hostEnd = `vt${tag}h${n}`;
    const address = `10.77.${subnet}.${n + 1}`;
    ip(['netns', 'add', ns]);
    namespaces.push(ns);
    ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ip(['link', 'set', hostEnd, 'master', bridge, 'up']);
    ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    return {
      ns,
      address,
      exec: ['ip', 'netns', 'exec', ns],
      down: () => ip(['link', 'set', hostEnd, 'down']),
      up: () => ip(['link', 'set', hostEnd, 'up']),
    };
  };
  return { net: { hostAddress, addHost, close } };
}
