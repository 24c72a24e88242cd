/**
 * Aligns tab-separated cells into space-padded columns, as Go's text/tabwriter does with the settings
 * docker-machine used (minimum width 5, padding 3). A cell ended by a tab belongs to a column; the
 * last cell of a line is free text and never widens a column. A column spans consecutive lines that
 * have a cell in it, so a line with fewer cells starts a new alignment block, exactly as in Go.
 */
const MIN_WIDTH = 5;
const PADDING = 3;

export function alignColumns(text: string): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const widths: number[][] = lines.map(() => []);
  assignWidths(lines, widths, 0, lines.length, 0);
  return lines
    .map((cells, row) =>
      cells
        .map((cell, column) => (column < cells.length - 1 ? cell + ' '.repeat(widths[row][column] - width(cell)) : cell))
        .join('')
        // Go pads empty trailing cells too; trailing blanks only get in the way of copying and diffing.
        .trimEnd(),
    )
    .join('\n');
}

function assignWidths(lines: string[][], widths: number[][], from: number, to: number, column: number): void {
  let row = from;
  while (row < to) {
    if (column >= lines[row].length - 1) {
      row++;
      continue;
    }
    const start = row;
    let columnWidth = MIN_WIDTH;
    for (; row < to && column < lines[row].length - 1; row++) columnWidth = Math.max(columnWidth, width(lines[row][column]) + PADDING);
    for (let r = start; r < row; r++) widths[r][column] = columnWidth;
    assignWidths(lines, widths, start, row, column + 1);
  }
}

/** Go's tabwriter counts characters (runes), not bytes or display cells. */
function width(cell: string): number {
  return [...cell].length;
}
