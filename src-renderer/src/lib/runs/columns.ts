// .js paths and the engine's types (not ../types): the unit tests type-check this module under the
// engine's tsconfig (node16 resolution).
import type { RunSummary, SortField } from '../../../../src-main/store/types.js';
import { compact, dateTime, int, num, pct } from '../format.js';

/** The runs table's columns after the checkbox, name and status, their widths and the sort rule. */

export const ROW_H = 34;

export interface Column {
  key: string;
  label: string;
  title?: string;
  sort?: SortField;
  width: number;
  num?: boolean;
  text: (r: RunSummary) => string;
}

export const COLUMNS: readonly Column[] = [
  { key: 'testAcc', label: 'Test acc', sort: 'testAcc', width: 84, num: true, text: (r) => pct(r.testAcc) },
  { key: 'testLoss', label: 'Loss', sort: 'testLoss', width: 72, num: true, text: (r) => num(r.testLoss, 4) },
  { key: 'params', label: 'Params', sort: 'params', width: 92, num: true, text: (r) => int(r.params) },
  { key: 'macsPerImage', label: 'MACs/img', title: 'MACs per image', sort: 'macsPerImage', width: 86, num: true, text: (r) => compact(r.macsPerImage) },
  { key: 'depth', label: 'Depth', sort: 'depth', width: 58, num: true, text: (r) => String(r.config.depth) },
  { key: 'heads', label: 'Heads', sort: 'heads', width: 58, num: true, text: (r) => String(r.config.heads) },
  { key: 'patch', label: 'Patch', sort: 'patch', width: 58, num: true, text: (r) => String(r.config.patch) },
  { key: 'dim', label: 'Dim', sort: 'dim', width: 54, num: true, text: (r) => String(r.config.dim) },
  { key: 'mlp', label: 'MLP', sort: 'mlp', width: 58, num: true, text: (r) => String(r.config.mlp) },
  { key: 'epochs', label: 'Epochs', sort: 'epochsDone', width: 70, num: true, text: (r) => `${r.epochsDone}/${r.config.epochs}` },
  { key: 'lr', label: 'LR', sort: 'lr', width: 64, num: true, text: (r) => String(r.config.lr) },
  { key: 'recipe', label: 'Recipe', sort: 'recipe', width: 76, text: (r) => r.config.recipe },
  { key: 'backend', label: 'Backend', sort: 'backend', width: 82, text: (r) => r.backend ?? '—' },
  { key: 'agent', label: 'Agent', title: 'The vitlab agent that trained it (— : this app)', width: 96, text: (r) => r.agent ?? '—' },
  { key: 'createdAt', label: 'Created', sort: 'createdAt', width: 132, text: (r) => dateTime(r.createdAt) },
  { key: 'tags', label: 'Tags', width: 120, text: (r) => r.tags.join(', ') },
];

const CHECK_W = 36;
const NAME_W = 260;
const STATUS_W = 104;

/** The CSS grid of a row: fixed widths, the last column taking what is left. */
export const GRID_TEMPLATE = `${CHECK_W}px ${NAME_W}px ${STATUS_W}px ${COLUMNS.slice(0, -1)
  .map((c) => `${c.width}px`)
  .join(' ')} minmax(${COLUMNS[COLUMNS.length - 1]!.width}px, 1fr)`;
export const ROW_WIDTH = CHECK_W + NAME_W + STATUS_W + COLUMNS.reduce((s, c) => s + c.width, 0);

export type SortDir = 'asc' | 'desc';
export interface Sort {
  sort: SortField;
  dir: SortDir;
}

/** Fields whose best or newest values are the large ones start descending. */
const DESC_FIRST = new Set<SortField>(['createdAt', 'testAcc', 'params', 'macsPerImage', 'epochsDone', 'finishedAt', 'startedAt']);

/** A click on a column header: the same column flips its direction, another starts at its own. */
export function nextSort(current: Sort, key: SortField): Sort {
  if (current.sort === key) return { sort: key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { sort: key, dir: DESC_FIRST.has(key) ? 'desc' : 'asc' };
}
