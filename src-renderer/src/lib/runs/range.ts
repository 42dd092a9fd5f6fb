/**
 * Range selection (Shift+click, Shift+Space) as pure functions: which rows a range covers, whether
 * it selects or clears them, and their ids when every row is already loaded.
 */

export const rangeOf = (anchor: number, index: number): { lo: number; hi: number } => ({ lo: Math.min(anchor, index), hi: Math.max(anchor, index) });

/**
 * A range selects when its anchor row is selected or its clicked row is not; it clears only when
 * the anchor is cleared and the clicked row was selected. An anchor row not loaded counts as the
 * clicked row, so the range selects.
 */
export function rangeSelects(anchorSelected: boolean | null, clickedSelected: boolean): boolean {
  return (anchorSelected ?? clickedSelected) || !clickedSelected;
}

/** The ids of rows lo..hi, or null when one of them is not loaded (the caller asks the server). */
export function loadedIds(rowAt: (i: number) => { id: string } | undefined, lo: number, hi: number): string[] | null {
  const out: string[] = [];
  for (let i = lo; i <= hi; i++) {
    const r = rowAt(i);
    if (!r) return null;
    out.push(r.id);
  }
  return out;
}
