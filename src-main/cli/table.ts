/** Plain-text table with aligned columns; numbers (and `align: 'right'` columns) right-aligned. */
export function textTable(headers: string[], rows: (string | number)[][], opts: { right?: boolean[]; indent?: string } = {}): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)));
  const right = headers.map((_, i) => opts.right?.[i] ?? rows.some((r) => typeof r[i] === 'number'));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    (opts.indent ?? '') +
    r
      .map((c, i) => (right[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
