// Plain-text tables for command output, shared by the commands that print them.

/** Columns padded to the widest cell plus two spaces (istioctl's table writer), the last unpadded. */
export function renderTable(rows: readonly (readonly string[])[], colour: (row: number, col: number, text: string) => string = (_r, _c, t) => t): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r, ri) => r.map((c, i) => (i === r.length - 1 ? colour(ri, i, c) : colour(ri, i, c) + ' '.repeat((widths[i] ?? 0) - [...c].length + 2))).join('') + '\n')
    .join('');
}
