/**
 * The flow table's grid, drawn here in cli-table3's exact layout (box-drawing borders, one space
 * of padding, cells top-aligned, a separator between rows). cli-table3 itself costs too much
 * for a long table: its layout is quadratic in the rows (every cell is checked against every
 * earlier row for spans) and it re-measures each cell many times, building a new regular
 * expression per measurement: 4,000 flows took 3.7 s, and a capture of 50,000 failing flows
 * would take minutes. Small tables (balance per real server) still go through cli-table3;
 * test/report/grid.test.ts holds this renderer to cli-table3's output.
 */

// SGR sequences (colours), which take no columns.
const SGR = /\u001b\[(?:\d*;){0,5}\d*m/g;

/** Columns a line takes on a terminal. Every character of a report cell (addresses, rule names, ✓ ✗ ?) is one column wide. */
function lineWidth(line: string): number {
  let n = 0;
  for (const _ of line.replace(SGR, '')) n++;
  return n;
}

/** The widest line of a cell. */
function cellWidth(lines: readonly string[]): number {
  let widest = 0;
  for (const line of lines) widest = Math.max(widest, lineWidth(line));
  return widest;
}

/** The table as text, without a final newline (as cli-table3's toString()). */
export function renderGrid(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const split = rows.map((row) => head.map((_, i) => (row[i] ?? '').split('\n')));
  const headLines = head.map((h) => h.split('\n'));
  // Content width of each column: its widest line, header included.
  const widths = head.map((_, i) => split.reduce((w, row) => Math.max(w, cellWidth(row[i]!)), cellWidth(headLines[i]!)));
  const border = (left: string, middle: string, right: string): string =>
    left + widths.map((w) => '─'.repeat(w + 2)).join(middle) + right;
  const out: string[] = [border('┌', '┬', '┐')];
  const emit = (cells: readonly (readonly string[])[]): void => {
    const height = cells.reduce((h, c) => Math.max(h, c.length), 1);
    for (let k = 0; k < height; k++) {
      let line = '│';
      for (let i = 0; i < widths.length; i++) {
        const text = cells[i]![k] ?? '';
        line += ` ${text}${' '.repeat(widths[i]! - lineWidth(text))} │`;
      }
      out.push(line);
    }
  };
  emit(headLines);
  for (const row of split) {
    out.push(border('├', '┼', '┤'));
    emit(row);
  }
  out.push(border('└', '┴', '┘'));
  return out.join('\n');
}
