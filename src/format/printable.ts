// Text for a terminal shows control characters, it does not obey them. A device name (chosen by
// whoever enrolled it), a file's content or an error message quoting either could otherwise set
// the window title, clear the screen or reorder a line (bidi overrides). Applied to the text the
// shell shows — tables, lists, scalars, errors, warnings, host text — before the formatter adds
// its own colours, so those still work. JSON stays exact: the same characters become \u escapes.

/** DEL, C1 controls, bidi marks, overrides and isolates, and the Unicode line separators. */
const BEYOND_C0 = '\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
/** Those and the C0 controls. */
const UNSAFE = new RegExp(`[\\x00-\\x1f${BEYOND_C0}]`);
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
const BEYOND_C0_ALL = new RegExp(`[${BEYOND_C0}]`, 'g');

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  // C0 as Unicode's control pictures (ESC → ␛, BEL → ␇, NUL → ␀), DEL as ␡: one column each, so tables stay aligned.
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  // The rest as PowerShell writes them in a string: `u{202E}.
  return `\`u{${code.toString(16).toUpperCase()}}`;
}

/**
 * The text with control characters made visible. `multiline` keeps line breaks and tabs (a
 * multi-line string, help text); a table cell or a one-line message shows them too.
 */
export function printable(text: string, multiline = false): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, (ch, offset: number) => {
    if (multiline && (ch === '\n' || ch === '\t' || (ch === '\r' && text[offset + 1] === '\n'))) return ch;
    return visible(ch);
  });
}

/**
 * JSON text with the same characters written as \u escapes (JSON.stringify leaves C1 controls and
 * bidi overrides raw): the same data for a parser, nothing a terminal obeys when it is shown.
 */
export function escapeControlsInJson(json: string): string {
  // Not C0: JSON.stringify escapes those inside strings, and its indentation is made of them.
  return json.replace(BEYOND_C0_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
