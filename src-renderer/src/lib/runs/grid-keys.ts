/**
 * Keyboard navigation of the runs grid as a pure function: a key on the grid becomes a command
 * (move the active row, toggle it, open it) or nothing; the grid carries it out.
 */

export type GridCommand = { kind: 'focus'; index: number } | { kind: 'toggle'; shift: boolean } | { kind: 'open' };

/** The active row stays within the rows there are (0 when there are none). */
export const clampRow = (index: number, total: number): number => Math.max(0, Math.min(total - 1, index));

/** PageUp/PageDown move by the rows that fit, less one kept in view (at least one). */
export const rowsPerPage = (clientHeight: number, rowHeight: number): number => Math.max(1, Math.floor(clientHeight / rowHeight) - 1);

export function gridCommand(key: string, shift: boolean, active: number, total: number, pageRows: number): GridCommand | null {
  const to = (index: number): GridCommand => ({ kind: 'focus', index: clampRow(index, total) });
  switch (key) {
    case 'ArrowDown':
      return to(active + 1);
    case 'ArrowUp':
      return to(active - 1);
    case 'PageDown':
      return to(active + pageRows);
    case 'PageUp':
      return to(active - pageRows);
    case 'Home':
      return to(0);
    case 'End':
      return to(total - 1);
    case ' ':
      return { kind: 'toggle', shift };
    case 'Enter':
      return { kind: 'open' };
    default:
      return null;
  }
}
