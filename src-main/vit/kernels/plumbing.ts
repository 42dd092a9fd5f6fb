import * as tf from '@tensorflow/tfjs';

/**
 * Registers a tfjs kernel written in plain JS over Float32Arrays, on wasm (views straight onto
 * tfjs-wasm's heap: no copies) and on cpu (the backend's own arrays). One kernel = one dispatch,
 * where the same math in tfjs ops costs one dispatch and one pass over memory per op.
 */

/** The parts of tfjs-wasm's and tfjs-cpu's backends a kernel of ours uses. */
export interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory; _malloc(n: number): number; _free(p: number): void };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}
export interface CpuBackendLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export type JsKernelRun<A> = (inputs: Float32Array[], outputs: Float32Array[], attrs: A) => void;

export interface JsKernel<A> {
  name: string;
  /** Input names, in the order `run` gets them. */
  inputs: string[];
  /** Output shapes from the input shapes and the attributes. */
  outputs(inputShapes: number[][], attrs: A): number[][];
  run: JsKernelRun<A>;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function wasmMemory(backend: unknown): WebAssembly.Memory {
  const b = backend as WasmBackendLike;
  const mem = b.wasm.asm?.memory ?? b.wasm.wasmMemory;
  if (!(mem instanceof WebAssembly.Memory)) throw new Error('kernels: cannot find the wasm backend memory');
  return mem;
}

const done = new Set<string>();

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** One backend's way to run a JS kernel: views on its inputs, fresh outputs, the result infos. */
const RUNNERS: Record<'wasm' | 'cpu', <A>(k: JsKernel<A>, ins: tf.TensorInfo[], shapes: number[][], backend: unknown, attrs: A) => tf.TensorInfo[]> = {
  wasm: (k, ins, shapes, backend, attrs) => {
    const b = backend as WasmBackendLike;
    const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
    // After every allocation: a growing heap detaches older views.
    const buf = wasmMemory(b).buffer;
    const view = (t: tf.TensorInfo) => new Float32Array(buf, b.dataIdMap.get(t.dataId).memoryOffset, size(t.shape));
    k.run(ins.map(view), outs.map(view), attrs);
    return outs;
  },
  cpu: (k, ins, shapes, backend, attrs) => {
    const b = backend as CpuBackendLike;
    const vals = shapes.map((s) => new Float32Array(size(s)));
    k.run(ins.map((t) => b.data.get(t.dataId).values), vals, attrs);
    return shapes.map((s, i) => b.makeTensorInfo(s, 'float32', vals[i]));
  },
};

/** Registers `k` for wasm and cpu once per process. */
export function registerJsKernel<A>(k: JsKernel<A>): void {
  if (done.has(k.name)) return;
  done.add(k.name);
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (tf.getKernel(k.name, backendName)) continue;
    tf.registerKernel({
      kernelName: k.name,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
        const ins = k.inputs.map((n) => inputs[n]!);
        const a = attrs as unknown as A;
        const outs = RUNNERS[backendName](k, ins, k.outputs(ins.map((t) => t.shape), a), backend, a);
        return outs.length === 1 ? outs[0] : outs;
      },
    });
  }
}

/** Runs a registered JS kernel on tensors. */
export function runJsKernel<A>(k: JsKernel<A>, inputs: tf.Tensor[], attrs: A): tf.Tensor[] {
  registerJsKernel(k);
  const named: Record<string, tf.Tensor> = {};
  k.inputs.forEach((n, i) => (named[n] = inputs[i]));
  const r = tf.engine().runKernel(k.name, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(r) ? r : [r];
}
