import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryPredictions, readPredictions, writePredictions, type Predictions } from '../../src-main/inspect/predictions.js';
import { decodeSafetensors, encodeSafetensors } from '../../src-main/inspect/safetensors.js';
import { appWeightsFromTorch, torchStateDict } from '../../src-main/inspect/weights.js';

describe('safetensors', () => {
  it('round-trips tensors and metadata, with the data 8-byte aligned', () => {
    const a = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { shape: [1], data: Float32Array.from([-0.5]) };
    const buf = encodeSafetensors([{ name: 'a', tensor: a }, { name: 'b.bias', tensor: b }], { config: '{"x":1}' });
    expect(Number(buf.readBigUInt64LE(0)) % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString());
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['b.bias']).toEqual({ dtype: 'F32', shape: [1], data_offsets: [24, 28] });
    const { tensors, metadata } = decodeSafetensors(buf);
    expect(metadata).toEqual({ config: '{"x":1}' });
    expect(Array.from(tensors.a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensors['b.bias'].data[0]).toBe(-0.5);
  });

  it('refuses what is not a safetensors file, naming the problem', () => {
    expect(() => decodeSafetensors(Buffer.from('abc'))).toThrow(/too short/);
    expect(() => decodeSafetensors(Buffer.from('not a safetensors file at all'))).toThrow(/header length/);
    const good = encodeSafetensors([{ name: 'a', tensor: { shape: [2], data: Float32Array.from([1, 2]) } }]);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4))).toThrow(/outside the file/);
    const f16 = Buffer.from(good);
    f16.write('F16', f16.indexOf('F32'));
    expect(() => decodeSafetensors(f16)).toThrow(/only F32/);
  });

  it('linear weights go to PyTorch as [out, in] and come back unchanged', () => {
    const w = { 'l.weight': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, 'l.bias': { shape: [3], data: Float32Array.from([7, 8, 9]) } };
    const t = Object.fromEntries(torchStateDict(w).map((x) => [x.name, x.tensor]));
    expect(t['l.weight'].shape).toEqual([3, 2]);
    expect(Array.from(t['l.weight'].data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(t['l.bias']).toEqual(w['l.bias']);
    expect(appWeightsFromTorch(t)).toEqual(w);
  });
});

describe('cached test predictions', () => {
  const p: Predictions = {
    count: 5,
    classes: 2,
    per: 3,
    labels: Uint8Array.from([0, 0, 1, 1, 0]),
    images: Uint8Array.from({ length: 15 }, (_, i) => i),
    // Predicted: 1 (0.9), 0 (0.6), 0 (0.7), 1 (0.8), 1 (0.55)
    probs: Float32Array.from([0.1, 0.9, 0.6, 0.4, 0.7, 0.3, 0.2, 0.8, 0.45, 0.55]),
  };

  it('round-trip through the file; a truncated file reads as absent', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-pred-')), 'p.bin');
    writePredictions(file, p);
    expect(readPredictions(file)).toEqual(p);
    fs.truncateSync(file, 30);
    expect(readPredictions(file)).toBeNull();
  });

  it('a cell holds its images, most confident first, paged; the confusion matrix counts them all', () => {
    const r = queryPredictions(p, { trueClass: 0, predicted: 1, offset: 0, limit: 10 });
    expect(r.confusion).toEqual([[1, 2], [1, 1]]);
    expect(r.total).toBe(2);
    expect(r.items.map((i) => i.index)).toEqual([0, 4]);
    expect(queryPredictions(p, { trueClass: 0, predicted: 1, offset: 1, limit: 1 }).items.map((i) => i.index)).toEqual([4]);
    expect(queryPredictions(p, { trueClass: 1, mistakesOnly: true, offset: 0, limit: 10 }).items.map((i) => [i.index, i.predicted])).toEqual([[2, 0]]);
  });
});
