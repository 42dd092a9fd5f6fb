import fs from 'node:fs';

/** /proc/loadavg as the benches print it beside every figure: the machine is shared, so a figure carries its load. */
export function loadAverage(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').trim();
}
