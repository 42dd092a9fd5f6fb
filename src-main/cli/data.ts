import { appDatasetDir, downloadDataset, locateDataset, verifyDataset, DATASET_REGISTRY } from '../data/datasets.js';
import { parseFlags, UsageError } from './args.js';
import { formatDuration } from './progress.js';

export const DATA_USAGE = `vitlab data where|download|verify [--dataset fashion-mnist|mnist] [--data DIR]
  where     shows which folder a run would read the data set from (and where it looked)
  download  fetches the four official files into the app's data folder (or --data DIR), with
            progress, verifying each checksum before keeping it
  verify    checks the located files against the official checksums`;

export async function runData(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(argv, { dataset: { type: 'string' }, data: { type: 'string' } }, { positionals: true, configFlags: false });
  if (values.help) {
    print(DATA_USAGE);
    return 0;
  }
  const action = positionals[0] ?? 'where';
  const name = (values.dataset as string | undefined) ?? 'fashion-mnist';
  if (!Object.hasOwn(DATASET_REGISTRY, name)) throw new UsageError(`--dataset: unknown data set "${name}" (known: ${Object.keys(DATASET_REGISTRY).join(', ')})`);
  const dir = values.data as string | undefined;
  if (action === 'where') {
    const found = locateDataset(name, { dir });
    for (const s of found.searched) print(`  looked in ${s.dir} (${s.source})${s.problem ? `: ${s.problem}` : ''}`);
    print(`${name}: ${found.dir}`);
    return 0;
  }
  if (action === 'verify') {
    const found = locateDataset(name, { dir });
    const files = verifyDataset(name, found.files);
    for (const f of files) print(`${f.ok ? 'ok ' : 'BAD'} ${f.path}${f.ok ? '' : ` (md5 ${f.md5}, expected ${f.expected.md5} or ${f.expected.rawMd5} uncompressed)`}`);
    return files.every((f) => f.ok) ? 0 : 1;
  }
  if (action === 'download') {
    const dest = dir ?? appDatasetDir(name);
    const t0 = Date.now();
    let last = 0;
    await downloadDataset(name, dest, {
      onProgress: (file, received, total) => {
        const now = Date.now();
        if (!process.stderr.isTTY || now - last < 100) return;
        last = now;
        const rate = received / Math.max(0.001, (now - t0) / 1000);
        const eta = total ? (total - received) / rate : NaN;
        process.stderr.write(`\r\x1b[2K${file}: ${(received / 1e6).toFixed(1)}${total ? `/${(total / 1e6).toFixed(1)}` : ''} MB  ETA ${formatDuration(eta)}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
    print(`${name}: downloaded and verified in ${dest}`);
    return 0;
  }
  throw new UsageError(`unknown action "${action}" (where, download, verify)`);
}
