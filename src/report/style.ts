/**
 * Terminal styling. Colour only when asked for (a TTY without NO_COLOR, decided by the CLI);
 * every verdict also carries a word and a symbol, so nothing depends on colour alone.
 */
export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export const colourStyle: Style = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};

const id = (s: string): string => s;
export const plainStyle: Style = { red: id, green: id, yellow: id, dim: id, bold: id };

/** https://no-color.org: any non-empty NO_COLOR disables colour. */
export function wantColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
