// Line editing as pure functions on { text, cursor } (Emacs keys, as readline): the prompt
// component maps keys to these, the tests call them directly. Killed text goes to a one-slot
// kill ring that Ctrl+Y yanks back.

export interface LineState {
  readonly text: string;
  readonly cursor: number;
  /** The last killed text (Ctrl+K, Ctrl+U, Ctrl+W, Alt+D). */
  readonly killed: string;
}

export const emptyLine: LineState = { text: '', cursor: 0, killed: '' };

export const lineOf = (text: string, killed = ''): LineState => ({ text, cursor: text.length, killed });

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_$]/u.test(ch);

/** Start of the word before the cursor (skipping separators first). */
export function wordStartBefore(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && !isWordChar(text[i - 1])) i--;
  while (i > 0 && isWordChar(text[i - 1])) i--;
  return i;
}

/** End of the word after the cursor. */
export function wordEndAfter(text: string, cursor: number): number {
  let i = cursor;
  while (i < text.length && !isWordChar(text[i])) i++;
  while (i < text.length && isWordChar(text[i])) i++;
  return i;
}

export function insert(state: LineState, chars: string): LineState {
  return { ...state, text: state.text.slice(0, state.cursor) + chars + state.text.slice(state.cursor), cursor: state.cursor + chars.length };
}

export function moveTo(state: LineState, cursor: number): LineState {
  return { ...state, cursor: Math.max(0, Math.min(state.text.length, cursor)) };
}

/** Removes text between two offsets; `kill` keeps it for yanking. */
function remove(state: LineState, from: number, to: number, kill: boolean): LineState {
  if (from >= to) return state;
  return {
    text: state.text.slice(0, from) + state.text.slice(to),
    cursor: from,
    killed: kill ? state.text.slice(from, to) : state.killed,
  };
}

export const backspace = (s: LineState) => remove(s, s.cursor - 1, s.cursor, false);
export const deleteForward = (s: LineState) => remove(s, s.cursor, s.cursor + 1, false);
export const killToEnd = (s: LineState) => remove(s, s.cursor, s.text.length, true);
export const killToStart = (s: LineState) => remove(s, 0, s.cursor, true);
export const killWordBefore = (s: LineState) => remove(s, wordStartBefore(s.text, s.cursor), s.cursor, true);
export const killWordAfter = (s: LineState) => remove(s, s.cursor, wordEndAfter(s.text, s.cursor), true);
export const yank = (s: LineState) => insert(s, s.killed);

/** Replaces `[start, end)` (a completed word) and puts the cursor after the replacement. */
export function replaceRange(state: LineState, start: number, end: number, replacement: string): LineState {
  return { ...state, text: state.text.slice(0, start) + replacement + state.text.slice(end), cursor: start + replacement.length };
}
