import * as tf from '@tensorflow/tfjs';
import { elementwiseKernels, type ElementwiseKernels } from '../simd.js';
import { gemmKernel, type GemmFn } from './gemm.js';

/**
 * Registers our kernels with tfjs, on wasm (byte pointers straight into tfjs-wasm's heap: no
 * copies) and on cpu (a wasm memory of our own, inputs copied in, outputs out). One kernel = one
 * dispatch, where the same math in tfjs ops costs one dispatch and one pass over memory per op.
 */

/** The parts of tfjs-wasm's and tfjs-cpu's backends a kernel of ours uses. */
export interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory; _malloc(n: number): number; _free(p: number): void };
  dataIdMap: { get(id: object): { memoryOffset: number; refCount: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}
export interface CpuBackendLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function wasmMemory(backend: unknown): WebAssembly.Memory {
  const b = backend as WasmBackendLike;
  const mem = b.wasm.asm?.memory ?? b.wasm.wasmMemory;
  if (!(mem instanceof WebAssembly.Memory)) throw new Error('kernels: cannot find the wasm backend memory');
  return mem;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

// ---- kernels on a wasm heap ---------------------------------------------------------------------

/** A wasm memory with the kernels bound to it. */
export interface Heap extends ElementwiseKernels {
  mem: WebAssembly.Memory;
  gemm: GemmFn;
  /** A view of the whole memory (valid until the next allocation). */
  f32(): Float32Array;
}

/**
 * A kernel that runs on byte pointers into a wasm memory: on wasm straight on tfjs's heap (no
 * copies), on cpu in a memory of our own with the inputs copied in and the outputs out.
 */
export interface HeapKernel<A> {
  name: string;
  inputs: string[];
  outputs(inputShapes: number[][], attrs: A): number[][];
  /** Bytes of scratch the kernel needs (16-byte aligned for it). */
  scratchBytes(inputShapes: number[][], attrs: A): number;
  run(heap: Heap, ins: number[], outs: number[], scratch: number, shapes: number[][], attrs: A): void;
}

const heaps = new WeakMap<WebAssembly.Memory, Heap & { scratch: number; scratchBytes: number }>();
function heapOf(mem: WebAssembly.Memory) {
  let h = heaps.get(mem);
  if (!h) {
    h = { mem, gemm: gemmKernel(mem), ...elementwiseKernels(mem), f32: () => new Float32Array(mem.buffer), scratch: 0, scratchBytes: 0 };
    heaps.set(mem, h);
  }
  return h;
}

/** Scratch on tfjs-wasm's heap: one area per backend, grown (re-allocated) as kernels need more. */
export function wasmScratch(backend: unknown, bytes: number): number {
  const b = backend as WasmBackendLike;
  const h = heapOf(wasmMemory(b));
  if (h.scratchBytes < bytes) {
    if (h.scratch) b.wasm._free(h.scratch);
    h.scratch = b.wasm._malloc(bytes + 16) >>> 0;
    h.scratchBytes = bytes;
  }
  return (h.scratch + 15) & ~15;
}

let own: WebAssembly.Memory | null = null;
/** A memory of our own with at least `bytes` (for backends whose data live in JS arrays). */
export function ownHeap(bytes: number): Heap {
  own ??= new WebAssembly.Memory({ initial: 16 });
  const need = Math.ceil((bytes + 64) / 65536) - own.buffer.byteLength / 65536;
  if (need > 0) own.grow(need);
  return heapOf(own);
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

const HEAP_RUNNERS: Record<'wasm' | 'cpu', <A>(k: HeapKernel<A>, ins: tf.TensorInfo[], backend: unknown, attrs: A) => tf.TensorInfo[]> = {
  wasm: (k, ins, backend, attrs) => {
    const b = backend as WasmBackendLike;
    const shapes = ins.map((t) => t.shape);
    const outs = k.outputs(shapes, attrs).map((s) => b.makeOutput(s, 'float32'));
    const scratch = wasmScratch(b, k.scratchBytes(shapes, attrs));
    const ptr = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    k.run(heapOf(wasmMemory(b)), ins.map(ptr), outs.map(ptr), scratch, shapes, attrs);
    return outs;
  },
  cpu: (k, ins, backend, attrs) => {
    const b = backend as CpuBackendLike;
    const shapes = ins.map((t) => t.shape);
    const outShapes = k.outputs(shapes, attrs);
    const at: number[] = [];
    let end = 0;
    for (const s of [...shapes, ...outShapes]) {
      at.push(end);
      end += align16(size(s) * 4);
    }
    const heap = ownHeap(end + k.scratchBytes(shapes, attrs));
    const F = heap.f32();
    ins.forEach((t, i) => F.set(b.data.get(t.dataId).values, at[i] / 4));
    const outAt = at.slice(ins.length);
    k.run(heap, at.slice(0, ins.length), outAt, end, shapes, attrs);
    return outShapes.map((s, i) => b.makeTensorInfo(s, 'float32', heap.f32().slice(outAt[i] / 4, outAt[i] / 4 + size(s))));
  },
};

const heapDone = new Set<string>();

/**
 * tfjs-wasm's Identity copies its input (tfjs-cpu's shares the data and counts a reference). The
 * engine runs one Identity per tensor a custom gradient saves (engine.clone), so a training step
 * copied ≈ 50 activations (37 of [5000, 64], 8 of [5000, 256], 4 of the attention probabilities:
 * ≈ 100 MB a step, ≈ 5 % of its kernel time in bench/step-profile.ts). This Identity shares the
 * data the way tfjs-cpu's does: the refcount in the backend's data map keeps it alive until the
 * last tensor on it is disposed. Nothing writes into a kernel's input in place, so sharing is safe.
 */
let identityShared = false;
function shareIdentityOnWasm(): void {
  const original = tf.getKernel('Identity', 'wasm');
  if (identityShared || !original) return;
  identityShared = true;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      // Strings live outside the heap: tfjs-wasm's own kernel handles them.
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).dataIdMap.get(x.dataId).refCount++;
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/** Runs a heap kernel on tensors (registered for wasm and cpu on first use). */
export function runHeapKernel<A>(k: HeapKernel<A>, inputs: tf.Tensor[], attrs: A): tf.Tensor[] {
  if (!identityShared) shareIdentityOnWasm();
  if (!heapDone.has(k.name)) {
    heapDone.add(k.name);
    for (const backendName of ['wasm', 'cpu'] as const) {
      if (tf.getKernel(k.name, backendName)) continue;
      tf.registerKernel({
        kernelName: k.name,
        backendName,
        kernelFunc: ({ inputs: named, backend, attrs: a }: KernelArgs) => {
          const outs = HEAP_RUNNERS[backendName](k, k.inputs.map((n) => named[n]!), backend, a as unknown as A);
          return outs.length === 1 ? outs[0] : outs;
        },
      });
    }
  }
  const named: Record<string, tf.Tensor> = {};
  k.inputs.forEach((n, i) => (named[n] = inputs[i]));
  const r = tf.engine().runKernel(k.name, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(r) ? r : [r];
}
