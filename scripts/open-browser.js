// Opens an address in the system's browser: $BROWSER where set (the Unix convention: a command,
// `%s` replaced by the address, else the address appended), else `open` (macOS), `start`
// (Windows) or `xdg-open` (Linux, only with a display: without one xdg-open falls back to text
// browsers such as lynx that would take over the terminal). Never throws: where nothing can open
// it, the caller prints the address instead.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function onPath(cmd, env) {
  return (env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/** The command that would open `url` here, or null with the reason. */
export function browserCommand(url, env = process.env, platform = process.platform) {
  const custom = (env.BROWSER ?? '').split(path.delimiter)[0].trim();
  if (custom) {
    const parts = custom.split(/\s+/);
    const args = parts.slice(1).map((a) => a.replaceAll('%s', url));
    if (!custom.includes('%s')) args.push(url);
    return { cmd: parts[0], args, label: `$BROWSER (${parts[0]})` };
  }
  if (platform === 'darwin') return { cmd: 'open', args: [url], label: 'open' };
  if (platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""', url], label: 'start' };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { cmd: null, why: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  if (!onPath('xdg-open', env)) return { cmd: null, why: 'xdg-open is not installed' };
  return { cmd: 'xdg-open', args: [url], label: 'xdg-open' };
}

/** Resolves to how it was opened, or to why not (the caller then prints the address). */
export function openInBrowser(url, env = process.env) {
  const c = browserCommand(url, env);
  if (!c.cmd) return Promise.resolve({ opened: false, why: c.why });
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(c.cmd, c.args, { stdio: 'ignore', detached: true, env });
    } catch (e) {
      resolve({ opened: false, why: `${c.label} could not start (${e.message})` });
      return;
    }
    child.once('error', (e) => resolve({ opened: false, why: `${c.label} could not start (${e.message})` }));
    // xdg-open and open return once the browser has the address; a browser started directly
    // through $BROWSER may keep running, so success is also "still running after a moment".
    const timer = setTimeout(() => resolve({ opened: true, how: c.label }), 3000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? { opened: true, how: c.label } : { opened: false, why: `${c.label} exited with code ${code}` });
    });
    child.unref();
  });
}
