import type { RunDetail } from '../store/types.js';
import type { BackendChoice } from '../train/backend.js';
import type { WeightFormat } from './formats.js';

/** Parent → inspection worker: one job per process (see launch.ts). */
export type InspectJob =
  | {
      type: 'predictions';
      checkpointDir: string;
      dataDir?: string;
      /** The backend the run trained on, so the predictions are the ones its confusion matrix counted. */
      backend: BackendChoice;
      /** Where the cache goes (predictions.ts). */
      out: string;
    }
  | { type: 'attention'; checkpointDir: string; dataDir?: string; source: AttentionSource }
  /** A weights file's bytes (export.ts); the caller writes or sends them. */
  | { type: 'weights'; run: RunDetail; format: WeightFormat; dataDir?: string };

export type AttentionSource = { kind: 'test'; index: number } | { kind: 'image'; bytes: Uint8Array; invert: boolean };

/** What the model makes of one image, and where its cls token looks. */
export interface AttentionResult {
  classes: string[];
  /** Softmax of the logits, in class order. */
  probs: number[];
  predicted: number;
  /** The true class, for a test image. */
  label?: number;
  /** The image side and patches per side (the heat map is grid × grid). */
  side: number;
  grid: number;
  /** What the model saw: side × side grey bytes, base64. */
  input: string;
  /** The same after normalisation (what enters the patch embedding). */
  normalised: number[];
  /** layers[layer][head]: the cls token's attention over the patches (grid² values summing with its own to 1). */
  layers: number[][][];
  /** Attention rollout across all layers (rollout.ts), over the patches. */
  rollout: number[];
  /** For an uploaded image: its kind and size as decoded. */
  original?: { kind: 'png' | 'jpeg'; width: number; height: number };
}

export interface PredictionsResult {
  count: number;
  classes: number;
}

export type InspectReply = { type: 'done'; result: AttentionResult | PredictionsResult | Uint8Array } | { type: 'error'; error: string };
