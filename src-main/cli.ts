import { ConfigError } from './vit/config.js';
import { UsageError } from './cli/args.js';
import { ERROR_KINDS, kindOf } from '../src-shared/errors.js';

type Command = { usage: string; run(argv: string[], print: (s: string) => void): number | Promise<number> };

// Each command's module loads only when it runs: `vitlab cost` need not load SQLite or tfjs.
const COMMANDS: Record<string, () => Promise<Command>> = {
  cost: async () => import('./cli/cost.js').then((m) => ({ usage: m.COST_USAGE, run: m.runCost })),
  train: async () => import('./cli/train.js').then((m) => ({ usage: m.TRAIN_USAGE, run: m.runTrain })),
  sweep: async () => import('./cli/runs.js').then((m) => ({ usage: m.SWEEP_USAGE, run: m.runSweep })),
  queue: async () => import('./cli/runs.js').then((m) => ({ usage: m.QUEUE_USAGE, run: m.runQueue })),
  ls: async () => import('./cli/runs.js').then((m) => ({ usage: m.LS_USAGE, run: m.runLs })),
  show: async () => import('./cli/runs.js').then((m) => ({ usage: m.SHOW_USAGE, run: m.runShow })),
  rm: async () => import('./cli/runs.js').then((m) => ({ usage: m.RM_USAGE, run: m.runRm })),
  resume: async () => import('./cli/runs.js').then((m) => ({ usage: m.RESUME_USAGE, run: m.runResume })),
  export: async () => import('./cli/export.js').then((m) => ({ usage: m.EXPORT_USAGE, run: m.runExport })),
  data: async () => import('./cli/data.js').then((m) => ({ usage: m.DATA_USAGE, run: m.runData })),
  serve: async () => import('./cli/serve.js').then((m) => ({ usage: m.SERVE_USAGE, run: m.runServe })),
  agent: async () => import('./cli/agent.js').then((m) => ({ usage: m.AGENT_USAGE, run: m.runAgent })),
  predict: async () => import('./cli/inspect.js').then((m) => ({ usage: m.PREDICT_USAGE, run: m.runPredict })),
  import: async () => import('./cli/inspect.js').then((m) => ({ usage: m.IMPORT_USAGE, run: m.runImport })),
  store: async () => import('./cli/store.js').then((m) => ({ usage: m.STORE_USAGE, run: m.runStore })),
  mistakes: async () => import('./cli/inspect.js').then((m) => ({ usage: m.MISTAKES_USAGE, run: m.runMistakes })),
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
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
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
    // Domain errors already name their command ("export: …"): say it once.
    const message = e instanceof Error ? e.message : String(e);
    console.error(`vitlab ${name}: ${message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message}`);
    return ERROR_KINDS[kindOf(e)].exit;
  }
}
