// Terminal colour, off when NO_COLOR is set or the stream is not a terminal.

export interface Style {
  readonly enabled: boolean;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
}

/** Cursor home, clear the screen and the terminal's scrollback (as `clear` does). */
export const CLEAR_SCREEN = '\x1b[H\x1b[2J\x1b[3J';

const wrap = (on: boolean, open: number, close: number) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);

export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    red: wrap(enabled, 31, 39),
    yellow: wrap(enabled, 33, 39),
    green: wrap(enabled, 32, 39),
    cyan: wrap(enabled, 36, 39),
    dim: wrap(enabled, 2, 22),
  };
}

/** Colour for a stream: a terminal, and no NO_COLOR (https://no-color.org: any non-empty value). */
export function colorWanted(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR']) return false;
  if (env['FORCE_COLOR'] && env['FORCE_COLOR'] !== '0') return true;
  return isTTY;
}
