import type { RunConfig } from '../vit/config.js';
import type { Normalisation } from './normalisation.js';
import { encodeSafetensors } from './safetensors.js';
import { torchStateDict, type PlainWeights } from './weights.js';

/**
 * Weights out to PyTorch: a .safetensors file whose names and shapes are the seed module's
 * state dict, and the module code that loads it (TORCH_SNIPPET), shown in the export dialog and
 * run by the cross-framework test, so the snippet a user copies is the one that is tested.
 */

export function torchSafetensors(weights: PlainWeights, config: RunConfig, norm: Normalisation, extra: Record<string, string> = {}): Buffer {
  return encodeSafetensors(torchStateDict(weights), {
    format: 'pt',
    producer: 'vitlab',
    config: JSON.stringify(config),
    classes: JSON.stringify(norm.classes),
    // Inputs: x = (pixel / 255 - mean) / std, images [B, C, H, W]; patches cut in (py, px, c) order.
    mean: String(norm.mean),
    std: String(norm.std),
    ...extra,
  });
}

/** The seed module (names as in the seed report's print(model)), a loader without the safetensors package, and its use. */
export const TORCH_SNIPPET = `import json, math, struct
import torch
import torch.nn as nn


class Norm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.norm(x)


class Multi_Head_Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.fc_out = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, D = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(D // self.heads), dim=-1)
        return self.fc_out((attn @ v).transpose(1, 2).reshape(B, N, D))


class MLP(nn.Module):
    def __init__(self, dim, hidden, activation, dropout):
        super().__init__()
        act = nn.GELU() if activation == 'gelu' else nn.ReLU()
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), act, nn.Linear(hidden, dim), nn.Dropout(dropout))

    def forward(self, x):
        return self.mlp(x)


class Transformer_Encoder(nn.Module):
    def __init__(self, dim, heads, hidden, activation, dropout):
        super().__init__()
        self.norm1 = Norm(dim)
        self.mha = Multi_Head_Attention(dim, heads)
        self.norm2 = Norm(dim)
        self.mlp = MLP(dim, hidden, activation, dropout)

    def forward(self, x):
        x = x + self.mha(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, image, channels, classes, patch, dim, depth, heads, mlp, activation='relu', dropout=0.0, **_):
        super().__init__()
        self.patch = patch
        self.patch_embedding = nn.Linear(patch * patch * channels, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.zeros(1, (image // patch) ** 2 + 1, dim))
        self.transformer_encoders = nn.ModuleList(
            [Transformer_Encoder(dim, heads, mlp, activation, dropout) for _ in range(depth)])
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, classes))

    def patchify(self, x):  # [B, C, H, W] -> [B, patches, p*p*C], (py, px, c) within a patch
        B, C, H, W = x.shape
        p = self.patch
        x = x.reshape(B, C, H // p, p, W // p, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(B, (H // p) * (W // p), p * p * C)

    def forward(self, x):
        x = self.patch_embedding(self.patchify(x))
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        for encoder in self.transformer_encoders:
            x = encoder(x)
        return self.mlp_head(x[:, 0])


def load_safetensors(path):
    """The safetensors format by hand: 8-byte length, JSON header, raw little-endian F32 data."""
    with open(path, 'rb') as f:
        header = json.loads(f.read(struct.unpack('<Q', f.read(8))[0]))
        data = f.read()
    meta = header.pop('__metadata__', {})
    state = {name: torch.frombuffer(bytearray(data[t['data_offsets'][0]:t['data_offsets'][1]]), dtype=torch.float32)
             .reshape(t['shape']) for name, t in header.items()}
    return state, meta


def load_vitlab(path):
    state, meta = load_safetensors(path)
    model = ViT(**json.loads(meta['config']))
    model.load_state_dict(state)
    return model.eval(), meta


def normalise(images_uint8, meta):  # uint8 [B, C, H, W] -> the model's input
    return (images_uint8.float() / 255 - float(meta['mean'])) / float(meta['std'])


# model, meta = load_vitlab('run.safetensors')
# with torch.no_grad():
#     probs = torch.softmax(model(normalise(images_uint8, meta)), dim=-1)
`;
