import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { RunEnvironment } from './messages.js';

export type BackendName = RunEnvironment['backend'];
export type BackendChoice = BackendName | 'auto';

const require = createRequire(import.meta.url);

/**
 * tfjs-node is an optional dependency (its installer downloads libtensorflow, which fails offline),
 * so it is loaded by name at run time and its absence is an expected outcome, not an error.
 */
async function tryTensorflow(): Promise<string | null> {
  try {
    require('@tensorflow/tfjs-node');
    return (await tf.setBackend('tensorflow')) ? null : 'tfjs-node loaded but the backend did not initialise';
  } catch (e) {
    return `@tensorflow/tfjs-node is not installed or its binding failed to load (${firstLine(e)})`;
  }
}

async function tryWasm(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return (await tf.setBackend('wasm')) ? null : 'the wasm backend did not initialise';
  } catch (e) {
    return `the wasm backend failed to load (${firstLine(e)})`;
  }
}

async function tryCpu(): Promise<string | null> {
  return (await tf.setBackend('cpu')) ? null : 'the cpu backend did not initialise';
}

const TRIES: Record<BackendName, () => Promise<string | null>> = { tensorflow: tryTensorflow, wasm: tryWasm, cpu: tryCpu };

/**
 * `auto` takes the fastest backend that loads: tensorflow, then wasm, then cpu. A forced backend
 * that cannot load is an error (the user asked for it by name), never a silent fallback.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<{ backend: BackendName; skipped: string[] }> {
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  const skipped: string[] = [];
  for (const name of order) {
    const why = await TRIES[name]();
    if (!why) {
      await tf.ready();
      return { backend: name, skipped };
    }
    skipped.push(`${name}: ${why}`);
  }
  throw new Error(`backend: cannot use ${choice === 'auto' ? 'any backend' : `"${choice}"`}: ${skipped.join('; ')}`);
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

function versionOf(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function describeEnvironment(backend: BackendName): RunEnvironment {
  const versions: Record<string, string> = { node: process.versions.node, tfjs: tf.version.tfjs };
  for (const pkg of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node']) {
    const v = versionOf(pkg);
    if (v) versions[pkg.replace('@tensorflow/', '')] = v;
  }
  if (process.versions.electron) versions.electron = process.versions.electron;
  const cpus = os.cpus();
  return {
    backend,
    versions,
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      hostname: os.hostname(),
    },
  };
}
