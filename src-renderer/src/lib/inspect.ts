import type { AttentionResult } from './types';

/** base64 → bytes (pixels from inspect/* results). */
export function bytesOf(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A File's bytes as base64, for inspect/predict. */
export async function fileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  // In slices: String.fromCharCode with a whole photo's bytes as arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** What the heat map shows: the rollout, one layer's heads' mean, or one head. */
export type AttentionMode = { kind: 'rollout' } | { kind: 'layer'; layer: number } | { kind: 'head'; layer: number; head: number };

export function modeKey(m: AttentionMode): string {
  return m.kind === 'rollout' ? 'rollout' : m.kind === 'layer' ? `layer-${m.layer}` : `head-${m.layer}-${m.head}`;
}

export function modesOf(r: Pick<AttentionResult, 'layers'>): { mode: AttentionMode; label: string }[] {
  const out: { mode: AttentionMode; label: string }[] = [{ mode: { kind: 'rollout' }, label: 'Rollout (all layers)' }];
  r.layers.forEach((heads, l) => {
    out.push({ mode: { kind: 'layer', layer: l }, label: `Layer ${l + 1}, mean of ${heads.length} heads` });
    heads.forEach((_, h) => out.push({ mode: { kind: 'head', layer: l, head: h }, label: `Layer ${l + 1}, head ${h + 1}` }));
  });
  return out;
}

/** The cls token's attention over the patches for a mode (grid² values). */
export function heatOf(r: Pick<AttentionResult, 'layers' | 'rollout'>, m: AttentionMode): number[] {
  if (m.kind === 'rollout') return r.rollout;
  const heads = r.layers[m.layer] ?? [];
  if (m.kind === 'head') return heads[m.head] ?? [];
  const n = heads[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => heads.reduce((s, h) => s + h[i], 0) / heads.length);
}

/** Which test images: a confusion cell (true + predicted) or a class's mistakes. */
export interface MistakesQuery {
  trueClass: number;
  predicted?: number;
  mistakesOnly?: boolean;
}
