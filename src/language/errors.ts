import type { SourceSpan } from './ast.js';

/**
 * A script that does not parse. Nothing of it runs. `format()` renders the PowerShell-style
 * report: `file:line:col: message`, the source line and carets under the offending text.
 */
export class ScriptSyntaxError extends Error {
  override readonly name = 'ScriptSyntaxError';

  constructor(
    message: string,
    /** Where the offending text is (for a missing closing bracket: the unclosed opener). */
    readonly span: SourceSpan,
    /** What would have been accepted there, human-readable: `'}'`, `an expression`. */
    readonly expected: string[],
    /** The full text that was parsed, for rendering the offending line. */
    readonly source: string,
    /** The input ended inside an unfinished construct (an interactive prompt should read more). */
    readonly incomplete: boolean,
  ) {
    super(message);
  }

  format(): string {
    const { file, startLine, startColumn, startOffset, endOffset } = this.span;
    const lineStart = this.source.lastIndexOf('\n', startOffset - 1) + 1;
    let lineEnd = this.source.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = this.source.length;
    const line = this.source.slice(lineStart, lineEnd).replace(/\r$/, '');
    // Keep tabs so the caret lines up under the offending text whatever the tab width.
    const indent = this.source.slice(lineStart, startOffset).replace(/[^\t]/g, ' ');
    const width = Math.max(1, Math.min(endOffset, lineStart + line.length) - startOffset);
    return `${file}:${startLine}:${startColumn}: ${this.message}\n${line}\n${indent}${'^'.repeat(width)}`;
  }
}
