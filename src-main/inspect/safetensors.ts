import type { PlainTensor } from './weights.js';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {string: string}}`, then
 * the raw little-endian tensor bytes. Only F32 is written and read: every ViT Lab weight is float32.
 */

export type SafetensorsMetadata = Record<string, string>;

/** Header bound on reading: a real header of a few hundred tensors is a few kB. */
const MAX_HEADER = 16 * 1024 * 1024;

export function encodeSafetensors(tensors: { name: string; tensor: PlainTensor }[], metadata: SafetensorsMetadata = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const { name, tensor } of tensors) {
    const bytes = tensor.data.length * 4;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Padded with spaces to a multiple of 8 so the data starts aligned (the reference writer does the same).
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let o = 8 + head.length;
  for (const { tensor } of tensors) {
    const b = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    // Float32Array is host-endian; every platform Node runs on here is little-endian.
    b.copy(out, o);
    o += b.length;
  }
  return out;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

export function decodeSafetensors(buf: Buffer, what = 'file'): { tensors: Record<string, PlainTensor>; metadata: SafetensorsMetadata } {
  if (buf.length < 8) throw new SafetensorsError(`${what}: too short to be a safetensors file (${buf.length} bytes)`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER, buf.length - 8))) throw new SafetensorsError(`${what}: not a safetensors file (header length ${n} does not fit in ${buf.length} bytes)`);
  const headLen = Number(n);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headLen).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new SafetensorsError(`${what}: not a safetensors file (its header is not JSON: ${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${what}: the safetensors header is not an object`);
  const dataStart = 8 + headLen;
  const dataLen = buf.length - dataStart;
  const tensors: Record<string, PlainTensor> = {};
  let metadata: SafetensorsMetadata = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = Object.fromEntries(Object.entries((entry ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e?.dtype !== 'F32') throw new SafetensorsError(`${what}: tensor ${name} is ${String(e?.dtype)}, only F32 is supported`);
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${what}: tensor ${name} has an invalid shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${what}: tensor ${name} has invalid data_offsets`);
    const [begin, end] = offs as number[];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLen || end - begin !== size * 4) throw new SafetensorsError(`${what}: tensor ${name} lies outside the file or does not match its shape`);
    const data = new Float32Array(size);
    Buffer.from(data.buffer).set(buf.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { shape: shape as number[], data };
  }
  return { tensors, metadata };
}
