import { ConfigError } from './vit/config.js';
import { UsageError } from './cli/args.js';
import { COST_USAGE, runCost } from './cli/cost.js';
import { TRAIN_USAGE, runTrain } from './cli/train.js';
import { LS_USAGE, QUEUE_USAGE, RESUME_USAGE, RM_USAGE, SHOW_USAGE, SWEEP_USAGE, runLs, runQueue, runResume, runRm, runShow, runSweep } from './cli/runs.js';

type Command = { usage: string; run(argv: string[], print: (s: string) => void): number | Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  cost: async () => ({ usage: COST_USAGE, run: runCost }),
  train: async () => ({ usage: TRAIN_USAGE, run: runTrain }),
  sweep: async () => ({ usage: SWEEP_USAGE, run: runSweep }),
  queue: async () => ({ usage: QUEUE_USAGE, run: runQueue }),
  ls: async () => ({ usage: LS_USAGE, run: runLs }),
  show: async () => ({ usage: SHOW_USAGE, run: runShow }),
  rm: async () => ({ usage: RM_USAGE, run: runRm }),
  resume: async () => ({ usage: RESUME_USAGE, run: runResume }),
  export: async () => {
    const m = await import('./cli/export.js');
    return { usage: m.EXPORT_USAGE, run: m.runExport };
  },
  data: async () => {
    const m = await import('./cli/data.js');
    return { usage: m.DATA_USAGE, run: m.runData };
  },
  serve: async () => {
    const m = await import('./cli/serve.js');
    return { usage: m.SERVE_USAGE, run: m.runServe };
  },
};

const usage = () =>
  `ViT Lab: train, cost and compare small Vision Transformers.\n\nUsage: vitlab <command> [flags]  (vitlab <command> --help for its flags)\nCommands: ${Object.keys(COMMANDS).join(', ')}`;

/** The CLI's entry: returns the exit code (0 ok, 1 failure, 2 bad usage or config). */
export async function main(argv: string[], print: (s: string) => void = (s) => console.log(s)): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`vitlab: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  const cmd = await load();
  try {
    return await cmd.run(rest, print);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`vitlab ${name}: invalid config:\n${e.issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`);
      return 2;
    }
    if (e instanceof UsageError) {
      console.error(`vitlab ${name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    console.error(`vitlab ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
