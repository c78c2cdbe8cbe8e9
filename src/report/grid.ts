/**
 * The flow table's grid, drawn here in cli-table3's exact layout (box-drawing borders, one space
 * of padding, cells top-aligned, a separator between rows). cli-table3 itself costs too much
 * for a long table: its layout is quadratic in the rows (every cell is checked against every
 * earlier row for spans) and it re-measures each cell many times, building a new regular
 * expression per measurement: 4,000 flows took 3.7 s (commit 8a6b8a9, 2026-11-26), and a
 * capture of 50,000 failing flows would take minutes. Small tables (balance per real server)
 * still go through cli-table3; test/report/grid.test.ts holds this renderer to cli-table3's
 * output.
 */
import stringWidth from 'string-width';

// Anything but printable ASCII: colours, control characters, ✓ ✗, wide characters (a capture's
// file name in a multi-capture frame reference may hold any).
const NOT_PLAIN = /[^\u0020-\u007e]/;

/** Widths of the lines that are not plain ASCII; they repeat (verdict cells), so one lookup each. */
const widthCache = new Map<string, number>();

/**
 * Columns a line takes on a terminal, as cli-table3 counts them: plain ASCII is its length;
 * anything else goes through string-width, the library cli-table3 itself uses (colours take
 * no columns, East Asian wide characters and emoji two).
 */
function lineWidth(line: string): number {
  if (!NOT_PLAIN.test(line)) return line.length;
  let width = widthCache.get(line);
  if (width === undefined) {
    width = stringWidth(line);
    if (widthCache.size < 4096) widthCache.set(line, width);
  }
  return width;
}

/** The widest line of a cell. */
function cellWidth(cell: string): number {
  if (cell.indexOf('\n') < 0) return lineWidth(cell);
  let widest = 0;
  for (const line of cell.split('\n')) widest = Math.max(widest, lineWidth(line));
  return widest;
}

/** The table as text, without a final newline (as cli-table3's toString()). */
export function renderGrid(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const out: string[] = [];
  writeGrid(head, rows, (line) => out.push(line));
  return out.join('\n');
}

/** The table's lines, each handed to `writeLine` as it is drawn. */
export function writeGrid(head: readonly string[], rows: readonly (readonly string[])[], writeLine: (line: string) => void): void {
  // Content width of each column: its widest line, header included.
  const widths = head.map(cellWidth);
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, cellWidth(row[i] ?? ''));
  }
  const border = (left: string, middle: string, right: string): string =>
    left + widths.map((w) => '─'.repeat(w + 2)).join(middle) + right;
  const separator = border('├', '┼', '┤');
  writeLine(border('┌', '┬', '┐'));
  const lines: string[][] = widths.map(() => []);
  const emit = (cells: readonly string[]): void => {
    let height = 1;
    for (let i = 0; i < widths.length; i++) {
      const cell = cells[i] ?? '';
      const split = cell.indexOf('\n') < 0 ? [cell] : cell.split('\n');
      lines[i] = split;
      height = Math.max(height, split.length);
    }
    for (let k = 0; k < height; k++) {
      let line = '│';
      for (let i = 0; i < widths.length; i++) {
        const text = lines[i]![k] ?? '';
        line += ` ${text}${' '.repeat(widths[i]! - lineWidth(text))} │`;
      }
      writeLine(line);
    }
  };
  emit(head);
  for (const row of rows) {
    writeLine(separator);
    emit(row);
  }
  writeLine(border('└', '┴', '┘'));
}
