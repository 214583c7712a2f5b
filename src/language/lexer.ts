// The mcshell lexer: Chevrotain tokens with custom patterns that consult a small bracket/mode
// tracker, because PowerShell lexes differently in command mode (after a command name: `-x` is a
// parameter, `*.txt` and `C:\x` are strings, `-5` is a number) and in expression mode (`-eq` is an
// operator, `-5` is negation, `*` multiplies).
import type { IToken, TokenType } from 'chevrotain';
import type { SourceSpan } from './ast.js';
import { chevrotain } from './chevrotain.js';
import { ScriptSyntaxError } from './errors.js';

const { createToken } = chevrotain;

// ---------------------------------------------------------------- the mode tracker

type FrameKind =
  | 'top'
  | 'paren' // ( statement )
  | 'cond' // if/elseif/while ( … )
  | 'foreach' // foreach ( $x in … )
  | 'sub' // $( … ) and @( … )
  | 'block' // { … }
  | 'hash' // @{ … }
  | 'bracket' // [type] or [index]
  | 'call' // method or attribute arguments: Name( … )
  | 'param'; // param( … ) and function Name( … )

export interface Frame {
  kind: FrameKind;
  /** A command name was read in this frame: the rest of the command lexes in command mode. */
  command: boolean;
  opener: IToken | null;
  /** The token before the opener, e.g. `catch` before `[`. */
  before: TokenType | undefined;
}

/**
 * Follows the tokens the lexer has produced so far (custom patterns receive them) and knows the
 * open brackets and whether the current one is in command mode. It catches up lazily, so each
 * token is looked at once.
 */
class ModeTracker {
  private tokens: IToken[] | null = null;
  private seen = 0;
  frames: Frame[] = [];
  lastClosed: Frame | null = null;
  /** The first opener nested deeper than maxNesting, if any. */
  tooDeep: IToken | null = null;
  /** A `switch` keyword was read and its `(` not yet: options such as `-Regex` come between. */
  private switchPending = false;

  sync(tokens: IToken[]): void {
    if (tokens !== this.tokens) {
      this.tokens = tokens;
      this.seen = 0;
      this.frames = [{ kind: 'top', command: false, opener: null, before: undefined }];
      this.lastClosed = null;
      this.tooDeep = null;
      this.switchPending = false;
    }
    while (this.seen < tokens.length) {
      this.apply(tokens[this.seen]!, this.seen > 0 ? tokens[this.seen - 1] : undefined);
      this.seen++;
    }
  }

  get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private push(kind: FrameKind, opener: IToken, before: IToken | undefined): void {
    this.frames.push({ kind, command: false, opener, before: before?.tokenType });
    if (this.frames.length > maxNesting + 1) this.tooDeep ??= opener;
  }

  private apply(token: IToken, before: IToken | undefined): void {
    const type = token.tokenType;
    if (type === LParen) {
      const b = before?.tokenType;
      const kind: FrameKind =
        b === Param || b === FunctionName
          ? 'param'
          : b === If || b === ElseIf || b === While || b === Until || b === For || b === Switch || (this.switchPending && b === Parameter)
            ? 'cond'
            : b === Foreach
              ? 'foreach'
              : 'paren';
      this.switchPending = false;
      this.push(kind, token, before);
    } else if (type === Switch) this.switchPending = true;
    // `switch -File path {`: the path is a command argument (a bare word such as hosts.txt).
    else if (type === Parameter && this.switchPending && /^-f/i.test(token.image)) this.frame.command = true; else if (type === CallParen) this.push('call', token, before);
    else if (type === DollarParen || type === AtParen) this.push('sub', token, before);
    else if (type === LCurly) {
      this.switchPending = false;
      this.push('block', token, before);
    }
    else if (type === AtCurly) this.push('hash', token, before);
    else if (type === LBracket || type === QuestionBracket) this.push('bracket', token, before);
    else if (type === RParen || type === RCurly || type === RBracket) {
      if (this.frames.length > 1) this.lastClosed = this.frames.pop()!;
    } else if ((type === CommandName && before?.tokenType !== Function) || type === Amp || type === DotSource) this.frame.command = true;
    // `'x' >> ./out.txt`: the file after a redirection is an argument.
    else if (type === Redirection && !token.image.includes('&')) this.frame.command = true;
    else if (endsCommand.has(type)) this.frame.command = false;
  }
}

/**
 * Brackets nested deeper than this are a syntax error: the parser and the interpreter recurse per
 * level, and a few hundred levels would exhaust the stack. Real scripts stay far below it.
 */
export const maxNesting = 100;

const tracker = new ModeTracker();

function previous(tokens: IToken[]): IToken | undefined {
  return tokens[tokens.length - 1];
}

/** Whether the `}` at `close` ends the body of `trap`, `trap [Type]` or `function name`. */
function isTrapOrFunctionBody(tokens: IToken[], close: number): boolean {
  let depth = 0;
  let i = close;
  for (; i >= 0; i--) {
    const type = tokens[i]!.tokenType;
    if (type === RCurly) depth++;
    else if ((type === LCurly || type === AtCurly) && --depth === 0) break;
  }
  i--;
  if (tokens[i]?.tokenType === RBracket) {
    while (i >= 0 && tokens[i]!.tokenType !== LBracket) i--;
    i--;
  }
  const type = tokens[i]?.tokenType;
  return type === Trap || type === FunctionName;
}

function inCommandMode(tokens: IToken[]): boolean {
  tracker.sync(tokens);
  return tracker.frame.command;
}

/** Expression mode, at a place where a statement (so a command name or keyword) may begin. */
function atStatementStart(tokens: IToken[]): boolean {
  tracker.sync(tokens);
  const frame = tracker.frame;
  if (frame.command) return false;
  const prev = previous(tokens);
  if (prev === undefined) return true;
  const type = prev.tokenType;
  // In a hashtable, the start of a line is a key, not a command.
  if (type === Newline || type === Semi || type === ImpliedSeparator) return frame.kind !== 'hash';
  if (type === LParen) return frame.kind === 'paren' || frame.kind === 'cond' || frame.kind === 'foreach';
  // `param($x) if (…)`: the body may start on the param block's line.
  if (type === RParen) return tracker.lastClosed?.kind === 'param' && tracker.lastClosed.before === Param;
  return statementStarters.has(type);
}

/** Whether the token before `offset` ends a value and touches it (`$x.Name`, `$a[0]`, `f(`). */
function touchesValue(tokens: IToken[], offset: number): boolean {
  const prev = previous(tokens);
  return prev !== undefined && prev.endOffset! + 1 === offset && valueEnds.has(prev.tokenType);
}

// ---------------------------------------------------------------- pattern helpers

/**
 * Recognises a token at `offset` of `text`: returns the end of the match (exclusive) or -1.
 * `tokens` are the tokens produced so far (skipped trivia excluded), for the mode tracker.
 */
type Match = (text: string, offset: number, tokens: IToken[]) => number;

/** Which first characters a token can start with: the characters, or a test of the char code. */
type Starts = string | ((code: number) => boolean);

interface Rule {
  type: TokenType;
  match: Match;
  starts: (code: number) => boolean;
  /** Trivia: consumed but not produced (whitespace, comments, continued lines). */
  skipped: boolean;
}

const rules = new Map<TokenType, Rule>();

/** A sticky regexp tried only when `when` holds. */
function guarded(regexp: RegExp, when: (tokens: IToken[], text: string, offset: number) => boolean): Match {
  const sticky = new RegExp(regexp.source, regexp.flags + 'y');
  return (text, offset, tokens) => {
    if (!when(tokens, text, offset)) return -1;
    sticky.lastIndex = offset;
    return sticky.test(text) ? sticky.lastIndex : -1;
  };
}

/** An operator that exists only in expression mode (in command mode `*` or `+x` are strings). */
function expressionOnly(literal: string): Match {
  return (text, offset, tokens) => (text.startsWith(literal, offset) && !inCommandMode(tokens) ? offset + literal.length : -1);
}

const isWordStart = (code: number): boolean => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 0xc0;
const isBarewordStart = (code: number): boolean => (code > 0x20 && code < 0x7f && !`;|&(){},'"\`$@#`.includes(String.fromCharCode(code))) || code >= 0x80;

function token(
  name: string,
  pattern: RegExp | string | Match,
  options: { label?: string; categories?: TokenType[]; skipped?: boolean; starts?: Starts } = {},
): TokenType {
  const type = createToken({
    name,
    ...(options.label !== undefined && { label: options.label }),
    ...(options.categories !== undefined && { categories: options.categories }),
  });
  const match: Match =
    typeof pattern === 'string'
      ? (text, offset) => (text.startsWith(pattern, offset) ? offset + pattern.length : -1)
      : pattern instanceof RegExp
        ? guarded(pattern, () => true)
        : pattern;
  const starts = options.starts ?? (typeof pattern === 'string' ? pattern[0]! : undefined);
  if (starts === undefined) throw new Error(`internal error: token ${name} needs its possible first characters`);
  rules.set(type, { type, match, starts: typeof starts === 'string' ? (code) => starts.includes(String.fromCharCode(code)) : starts, skipped: options.skipped === true });
  return type;
}

function category(name: string, label: string): TokenType {
  return createToken({ name, label });
}

// ---------------------------------------------------------------- categories

export const Separator = category('Separator', "';' or a newline");
export const AssignOp = category('AssignOp', "'='");
export const ChainOp = category('ChainOp', "'&&' or '||'");
export const BinaryOp = category('BinaryOp', 'an operator');
export const PrefixOp = category('PrefixOp', 'a unary operator');
export const StringToken = category('StringToken', 'a string');

// ---------------------------------------------------------------- trivia

const Whitespace = token('Whitespace', /[ \t\f\v\u00a0\ufeff]+/, { skipped: true, starts: ' \t\f\v\u00a0\ufeff' });
const blanks = /[ \t]+/y;
/**
 * `trap { … } "next"`, `function f { … } f`: the blanks after the body of a trap or a function end
 * its statement, as a newline would (PowerShell lets the next statement follow on the line).
 */
const ImpliedSeparator = token(
  'ImpliedSeparator',
  (text, offset, tokens) => {
    const prev = previous(tokens);
    if (prev?.tokenType !== RCurly) return -1;
    blanks.lastIndex = offset;
    if (!blanks.test(text)) return -1;
    const end = blanks.lastIndex;
    if (end >= text.length || ';}|#\r\n'.includes(text[end]!)) return -1;
    return isTrapOrFunctionBody(tokens, tokens.length - 1) ? end : -1;
  },
  { categories: [Separator], label: "';' or a newline", starts: ' \t' },
);
const LineContinuation = token('LineContinuation', /`(?:\r\n|\n|\r)/, { skipped: true, starts: '`' });
const BlockComment = token('BlockComment', /<#[\s\S]*?#>/, { skipped: true, starts: '<' });
const Comment = token('Comment', /#[^\r\n]*/, { skipped: true, starts: '#' });

const lineBreak = /\r\n|\n|\r/y;
const afterBlankSpace = /[ \t\r\n]*/y;
const continuationKeyword = /(?:elseif|else|catch|finally)(?![\w-])/iy;
const paramKeyword = /param\s*\(/iy;

/** Text after the blank space (including line breaks) that follows `offset`. */
function nextNonBlank(text: string, offset: number): number {
  afterBlankSpace.lastIndex = offset;
  afterBlankSpace.exec(text);
  return afterBlankSpace.lastIndex;
}

/** A line break is a statement separator except where PowerShell lets a construct continue. */
function lineBreakContinues(text: string, offset: number, tokens: IToken[]): boolean {
  tracker.sync(tokens);
  const frame = tracker.frame;
  if (frame.kind === 'param' || frame.kind === 'call' || frame.kind === 'bracket') return true;
  const prev = previous(tokens);
  if (prev === undefined) return false;
  const type = prev.tokenType;
  if (lineContinuers.has(type)) return true;
  // `}⏎else {`, `}⏎catch {`
  if (type === RCurly) {
    continuationKeyword.lastIndex = nextNonBlank(text, offset);
    return continuationKeyword.test(text);
  }
  // `[CmdletBinding()]⏎param(…)`
  if (type === RBracket) {
    paramKeyword.lastIndex = nextNonBlank(text, offset);
    if (paramKeyword.test(text)) return true;
    // `[ValidateSet('a')]⏎[string]$x = 'a'`: an attribute starting a statement goes on to its variable.
    const opened = tracker.lastClosed;
    const next = text.charCodeAt(nextNonBlank(text, offset));
    if (tokens[tokens.length - 2]?.tokenType === RParen && opened?.kind === 'bracket' && (opened.before === undefined || opened.before === Newline || opened.before === Semi || opened.before === LCurly) && (next === 91 /* [ */ || next === 36) /* $ */) return true;
  }
  // Braces on their own line: `if ($x)⏎{`, `else⏎{`, `function f⏎{`, `catch [T]⏎{`.
  const closed = tracker.lastClosed;
  const beforeBody =
    type === Else ||
    type === Try ||
    type === Do ||
    type === NamedBlock ||
    type === Trap ||
    type === Finally ||
    type === Catch ||
    type === FunctionName ||
    (type === RParen && closed !== null && (closed.kind === 'cond' || closed.kind === 'foreach' || (closed.kind === 'param' && closed.before === FunctionName))) ||
    (type === RBracket && closed !== null && (closed.before === Catch || closed.before === Trap || closed.before === Comma));
  return beforeBody && text.charCodeAt(nextNonBlank(text, offset)) === 123; /* { */
}

export const Newline = token(
  'Newline',
  (text, offset, tokens) => {
    lineBreak.lastIndex = offset;
    return lineBreak.test(text) && !lineBreakContinues(text, offset, tokens) ? lineBreak.lastIndex : -1;
  },
  { categories: [Separator], label: 'a newline', starts: '\r\n' },
);
const SkippedNewline = token('SkippedNewline', /\r\n|\n|\r/, { skipped: true, starts: '\r\n' });

// ---------------------------------------------------------------- strings

/** End (exclusive) of the `"…"` string starting at `start`, or -1. Skips `` `x `` and `$( … )`. */
export function scanDoubleQuoted(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '`') i += 2;
    else if (c === '"') {
      if (text[i + 1] !== '"') return i + 1;
      i += 2;
    } else if (c === '$' && text[i + 1] === '(') {
      i = scanParens(text, i + 1);
      if (i === -1) return -1;
    } else i++;
  }
  return -1;
}

/** End (exclusive) of the balanced `( … )` starting at `start`, or -1; skips nested strings. */
export function scanParens(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return -1;
      i = end;
    } else if (c === '"') {
      const end = scanDoubleQuoted(text, i);
      if (end === -1) return -1;
      i = end - 1;
    } else if (c === '`') i++;
    i++;
  }
  return -1;
}

export const HereSingle = token('HereSingle', /@'[ \t]*(?:\r\n|\n|\r)(?:[\s\S]*?(?:\r\n|\n|\r))??'@/, {
  categories: [StringToken],
  label: 'a string',
  starts: '@',
});
export const HereDouble = token('HereDouble', /@"[ \t]*(?:\r\n|\n|\r)(?:[\s\S]*?(?:\r\n|\n|\r))??"@/, {
  categories: [StringToken],
  label: 'a string',
  starts: '@',
});
export const SingleString = token('SingleString', /'(?:[^']|'')*'/, { categories: [StringToken], label: 'a string', starts: "'" });
export const DoubleString = token(
  'DoubleString',
  (text, offset) => {
    if (text.charCodeAt(offset) !== 34 /* " */) return -1;
    return scanDoubleQuoted(text, offset);
  },
  { categories: [StringToken], label: 'a string', starts: '"' },
);
/** A string or block comment that never ends: reported as a syntax error (and as incomplete input). */
const unterminatedStart = /['"]|@['"]|<#/y;
export const Unterminated = token(
  'Unterminated',
  (text, offset) => {
    unterminatedStart.lastIndex = offset;
    return unterminatedStart.test(text) ? text.length : -1;
  },
  { starts: `'"@<` },
);

// ---------------------------------------------------------------- brackets and punctuation

export const DollarParen = token('DollarParen', '$(', { label: "'$('" });
export const AtParen = token('AtParen', '@(', { label: "'@('" });
export const AtCurly = token('AtCurly', '@{', { label: "'@{'" });
export const Splat = token('Splat', /@[A-Za-z_]\w*/, { label: 'a splatted variable', starts: '@' });
export const Variable = token(
  'Variable',
  // `?` may continue a name (`$ok?`), as in PowerShell 7: `${x}?.Name` is the null-conditional form.
  /\$(?:\{[^}]*\}|(?:(?:global|script|local|private|env|using):)?[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff?]*|[?^$])/i,
  { label: 'a variable', starts: '$' },
);

export const Semi = token('Semi', ';', { categories: [Separator], label: "';'" });
export const AndAnd = token('AndAnd', '&&', { categories: [ChainOp], label: "'&&'" });
export const OrOr = token('OrOr', '||', { categories: [ChainOp], label: "'||'" });
export const Pipe = token('Pipe', '|', { label: "'|'" });
export const Amp = token('Amp', '&', { label: "'&'" });
const redirection = /[1-6*]?>>?(?:&1)?/y;
/** `>`, `>>`, `2>`, `2>&1`, `*>&1` (about_Redirection). A stream number or `*` must start an argument. */
export const Redirection = token(
  'Redirection',
  (text, offset) => {
    redirection.lastIndex = offset;
    if (!redirection.test(text)) return -1;
    if (text.charCodeAt(offset) !== 62 /* > */ && offset > 0 && !/\s/.test(text[offset - 1]!)) return -1;
    return redirection.lastIndex;
  },
  { label: 'a redirection', starts: '>*123456' },
);
/** `. ./common.mcs`, `. { … }`: a dot and a space where a statement starts run the command in the current scope. */
export const DotSource = token('DotSource', guarded(/\.(?=[ \t])/, atStatementStart), { label: "'.'", starts: '.' });
export const LCurly = token('LCurly', '{', { label: "'{'" });
export const RCurly = token('RCurly', '}', { label: "'}'" });
/** `(` touching a name: method-call or attribute arguments. */
export const CallParen = token(
  'CallParen',
  (text, offset, tokens) =>
    text.charCodeAt(offset) === 40 && touchesValue(tokens, offset) && previous(tokens)!.tokenType === Identifier ? offset + 1 : -1,
  { label: "'('", starts: '(' },
);
export const LParen = token('LParen', '(', { label: "'('" });
export const RParen = token('RParen', ')', { label: "')'" });
export const Comma = token('Comma', ',', { label: "','" });

// ---------------------------------------------------------------- keywords and names

function keyword(name: string, word: string, also?: (prev: IToken | undefined) => boolean): TokenType {
  const match = guarded(
    new RegExp(`${word}(?![\\w-])`, 'i'),
    (tokens) => atStatementStart(tokens) || (also !== undefined && !tracker.frame.command && also(previous(tokens))),
  );
  return token(name, match, { label: `'${word}'`, starts: word[0]! + word[0]!.toUpperCase() });
}

const afterBlock = (prev: IToken | undefined): boolean => prev?.tokenType === RCurly;

export const If = keyword('If', 'if');
export const ElseIf = keyword('ElseIf', 'elseif', afterBlock);
export const Else = keyword('Else', 'else', afterBlock);
export const Foreach = keyword('Foreach', 'foreach');
// `do { } while (…)`: after a block too.
export const While = keyword('While', 'while', afterBlock);
export const Until = keyword('Until', 'until', afterBlock);
export const Do = keyword('Do', 'do');
export const For = keyword('For', 'for');
export const Switch = keyword('Switch', 'switch');
export const Trap = keyword('Trap', 'trap');
export const Break = keyword('Break', 'break');
export const Continue = keyword('Continue', 'continue');
export const Function = keyword('Function', 'function');
/** `filter Name { … }`: a function whose body is its process block. */
export const Filter = keyword('Filter', 'filter');
/** `begin {`, `process {`, `end {`, `clean {` where a statement starts (in a script block or script). */
export const NamedBlock = token(
  'NamedBlock',
  guarded(/(?:begin|process|end|clean)(?=\s*\{)/i, (tokens) => {
    tracker.sync(tokens);
    const kind = tracker.frame.kind;
    if (kind !== 'block' && kind !== 'top') return false;
    // Also right after the previous block's `}` or the param block's `)`: `begin { } process { }`.
    const prev = previous(tokens)?.tokenType;
    return atStatementStart(tokens) || (!tracker.frame.command && (prev === RCurly || prev === RParen));
  }),
  { label: "'begin', 'process', 'end' or 'clean'", starts: 'bBpPeEcC' },
);
export const Return = keyword('Return', 'return');
export const Exit = keyword('Exit', 'exit');
export const Try = keyword('Try', 'try');
export const Catch = keyword('Catch', 'catch', afterBlock);
export const Finally = keyword('Finally', 'finally', afterBlock);
export const Throw = keyword('Throw', 'throw');
// `[CmdletBinding()] param(…)`
export const Param = keyword('Param', 'param', (prev) => prev?.tokenType === RBracket);
/** `:outer` before a loop or switch (break/continue name it). */
export const Label = token('Label', guarded(/:[A-Za-z_]\w*/, atStatementStart), { label: 'a label', starts: ':' });
export const In = token(
  'In',
  guarded(/in(?![\w-])/i, (tokens) => {
    tracker.sync(tokens);
    return tracker.frame.kind === 'foreach' && previous(tokens)?.tokenType === Variable;
  }),
  { label: "'in'", starts: 'iI' },
);

export const FunctionName = token(
  'FunctionName',
  guarded(/(?:(?:global|script|local):)?[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff.-]*/i, (tokens) => previous(tokens)?.tokenType === Function || previous(tokens)?.tokenType === Filter),
  { label: 'a function name', starts: isWordStart },
);
export const CommandName = token(
  'CommandName',
  guarded(
    /(?:[A-Za-z_\u00c0-\uffff]|\.{1,2}[\\/]|[\\/~])[^\s;|&(){}[\],'"`$#<>=]*|[%?](?=[\s{]|$)/,
    (tokens) => atStatementStart(tokens) || previous(tokens)?.tokenType === Amp || previous(tokens)?.tokenType === DotSource,
  ),
  { label: 'a command', starts: (code) => isWordStart(code) || './\\~%?'.includes(String.fromCharCode(code)) },
);

// ---------------------------------------------------------------- operators

const notInCommand = (tokens: IToken[]): boolean => !inCommandMode(tokens);

export const ComparisonOp = token(
  'ComparisonOp',
  guarded(
    /-(?:[ci]?(?:eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|replace|split)|band|bor|bxor|shl|shr|join|isnot|is|as)(?!\w)/i,
    notInCommand,
  ),
  { categories: [BinaryOp], label: 'a comparison operator', starts: '-' },
);
export const LogicalOp = token('LogicalOp', guarded(/-(?:and|or|xor)(?!\w)/i, notInCommand), { categories: [BinaryOp], label: "'-and', '-or' or '-xor'", starts: '-' });
export const FormatOp = token('FormatOp', guarded(/-f(?!\w)/i, notInCommand), { categories: [BinaryOp], label: "'-f'", starts: '-' });
export const NotOp = token('NotOp', guarded(/-(?:not|bnot)(?!\w)/i, notInCommand), { categories: [PrefixOp], label: "'-not'", starts: '-' });

/** `-Name:` — the value follows the colon. */
export const ParameterColon = token('ParameterColon', /-[A-Za-z_]\w*:/, { label: 'a parameter', starts: '-' });
/** `-Name` in command mode; in expression mode an unknown `-word` (reported as unexpected). */
export const Parameter = token('Parameter', /-[A-Za-z_]\w*/, { label: 'a parameter', starts: '-' });

const numberBody = String.raw`(?:0x[0-9a-f]+|(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?)(?:kb|mb|gb|tb|pb)?`;
const expressionNumber = new RegExp(`${numberBody}(?!\\w)`, 'iy');
// In command mode a number must end the argument (`1.2.3` and `10abc` are strings) and may be negative.
const commandNumber = new RegExp(`-?${numberBody}(?=[\\s;|&)},]|$)`, 'iy');
export const NumberToken = token(
  'Number',
  (text, offset, tokens) => {
    const regexp = inCommandMode(tokens) ? commandNumber : expressionNumber;
    regexp.lastIndex = offset;
    return regexp.test(text) ? regexp.lastIndex : -1;
  },
  { label: 'a number', starts: '0123456789.-' },
);

export const DotDot = token('DotDot', expressionOnly('..'), { categories: [BinaryOp], label: "'..'", starts: '.' });
export const ColonColon = token('ColonColon', expressionOnly('::'), { label: "'::'", starts: ':' });
export const Colon = token('Colon', expressionOnly(':'), { label: "':'", starts: ':' });
// PowerShell 7's null operators: `a ?? b`, `$x ??= v`, `${x}?.Name`, `${x}?[0]`, and `c ? a : b`.
export const CoalesceAssign = token('CoalesceAssign', expressionOnly('??='), { categories: [AssignOp], label: "'??='", starts: '?' });
export const Coalesce = token('Coalesce', expressionOnly('??'), { categories: [BinaryOp], label: "'??'", starts: '?' });
export const QuestionDot = token(
  'QuestionDot',
  (text, offset, tokens) => (text.startsWith('?.', offset) && touchesValue(tokens, offset) ? offset + 2 : -1),
  { label: "'?.'", starts: '?' },
);
export const QuestionBracket = token(
  'QuestionBracket',
  (text, offset, tokens) => (text.startsWith('?[', offset) && touchesValue(tokens, offset) ? offset + 2 : -1),
  { label: "'?['", starts: '?' },
);
export const Question = token('Question', expressionOnly('?'), { label: "'?'", starts: '?' });
export const Dot = token(
  'Dot',
  (text, offset, tokens) => (text.charCodeAt(offset) === 46 && text.charCodeAt(offset + 1) !== 46 && touchesValue(tokens, offset) ? offset + 1 : -1),
  { label: "'.'", starts: '.' },
);
export const LBracket = token(
  'LBracket',
  (text, offset, tokens) => (text.charCodeAt(offset) === 91 && (!inCommandMode(tokens) || touchesValue(tokens, offset)) ? offset + 1 : -1),
  { label: "'['", starts: '[' },
);
export const RBracket = token('RBracket', ']', { label: "']'" });

function assignment(name: string, literal: string): TokenType {
  return token(name, expressionOnly(literal), { categories: [AssignOp], label: `'${literal}'`, starts: literal[0]! });
}
export const PlusAssign = assignment('PlusAssign', '+=');
export const MinusAssign = assignment('MinusAssign', '-=');
export const StarAssign = assignment('StarAssign', '*=');
export const SlashAssign = assignment('SlashAssign', '/=');
export const PercentAssign = assignment('PercentAssign', '%=');
export const Assign = assignment('Assign', '=');
export const PlusPlus = token('PlusPlus', expressionOnly('++'), { categories: [PrefixOp], label: "'++'", starts: '+' });
export const MinusMinus = token('MinusMinus', expressionOnly('--'), { categories: [PrefixOp], label: "'--'", starts: '-' });
export const Plus = token('Plus', expressionOnly('+'), { categories: [BinaryOp, PrefixOp], label: "'+'", starts: '+' });
export const Minus = token('Minus', expressionOnly('-'), { categories: [BinaryOp, PrefixOp], label: "'-'", starts: '-' });
export const Star = token('Star', expressionOnly('*'), { categories: [BinaryOp], label: "'*'", starts: '*' });
export const Slash = token('Slash', expressionOnly('/'), { categories: [BinaryOp], label: "'/'", starts: '/' });
export const Percent = token('Percent', expressionOnly('%'), { categories: [BinaryOp], label: "'%'", starts: '%' });
export const Bang = token('Bang', expressionOnly('!'), { categories: [PrefixOp], label: "'!'", starts: '!' });

/** A member or type name (`.Name`, `[int]`, hashtable keys, attribute arguments). */
export const Identifier = token(
  'Identifier',
  guarded(/[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff]*/, (tokens, _text, offset) => {
    if (!inCommandMode(tokens)) return true;
    const prev = previous(tokens);
    return prev !== undefined && (prev.tokenType === Dot || prev.tokenType === ColonColon || prev.tokenType === QuestionDot) && prev.endOffset! + 1 === offset;
  }),
  { label: 'a name', starts: isWordStart },
);
/** An unquoted command argument: `Where-Object`, `./x.mcs`, `C:\x`, `*.txt`. */
export const Bareword = token('Bareword', guarded(/[^\s;|&(){},'"`$@#][^\s;|&(){},'"`$]*/, inCommandMode), {
  label: 'an argument',
  starts: isBarewordStart,
});

// Token types that change or end command mode, start statements, continue lines, end values.
const endsCommand = new Set<TokenType>([Newline, ImpliedSeparator, Semi, Pipe, AndAnd, OrOr]);
const statementStarters = new Set<TokenType>([
  Pipe, AndAnd, OrOr, Amp, Return, Throw, In, LCurly, DollarParen, AtParen, Label,
  Assign, PlusAssign, MinusAssign, StarAssign, SlashAssign, PercentAssign,
]);
const lineContinuers = new Set<TokenType>([
  Pipe, AndAnd, OrOr, Comma, LParen, Assign, PlusAssign, MinusAssign, StarAssign, SlashAssign, PercentAssign,
  Plus, Minus, Star, Slash, Percent, DotDot, ComparisonOp, LogicalOp, FormatOp, NotOp, Bang,
  Coalesce, CoalesceAssign, Question, Colon,
]);
const valueEnds = new Set<TokenType>([Variable, RParen, RBracket, RCurly, Identifier, SingleString, DoubleString]);

/** In priority order: Chevrotain takes the first pattern that matches. */
export const allTokens: TokenType[] = [
  ImpliedSeparator, Whitespace, LineContinuation, BlockComment, Comment, Newline, SkippedNewline,
  HereSingle, HereDouble, SingleString, DoubleString,
  DollarParen, AtParen, AtCurly, Splat, Variable,
  Semi, AndAnd, OrOr, Pipe, Redirection, Amp, DotSource, LCurly, RCurly, CallParen, LParen, RParen, Comma,
  ElseIf, Else, If, Foreach, While, Until, Do, For, Switch, Trap, Break, Continue, Function, Filter, NamedBlock, Return, Exit, Try, Catch, Finally, Throw, Param, Label, In,
  FunctionName, CommandName,
  ComparisonOp, LogicalOp, FormatOp, NotOp, ParameterColon, Parameter,
  NumberToken, DotDot, ColonColon, Colon, CoalesceAssign, Coalesce, QuestionDot, QuestionBracket, Question, Dot, LBracket, RBracket,
  PlusAssign, MinusAssign, StarAssign, SlashAssign, PercentAssign, Assign,
  PlusPlus, MinusMinus, Plus, Minus, Star, Slash, Percent, Bang,
  Identifier, Bareword, Unterminated,
  Separator, AssignOp, ChainOp, BinaryOp, PrefixOp, StringToken,
];

// ---------------------------------------------------------------- tokenizing

// A hand-written loop rather than Chevrotain's Lexer: the same first-match-in-priority-order scan,
// but without the lexer's set-up (it analyses every regexp: ~40 ms of start-up) and without its
// custom-pattern protocol, which allocates an array and a string per attempt.

/** The rules (in allTokens order) that can start with a char code, worked out as each code is met. */
const latinRules: (Rule[] | undefined)[] = new Array(256);
const otherRules = new Map<number, Rule[]>();

function rulesStartingWith(code: number): Rule[] {
  return allTokens.flatMap((type) => {
    const rule = rules.get(type);
    return rule !== undefined && rule.starts(code) ? [rule] : [];
  });
}

function candidates(code: number): Rule[] {
  if (code < 256) return (latinRules[code] ??= rulesStartingWith(code));
  let list = otherRules.get(code);
  if (list === undefined) otherRules.set(code, (list = rulesStartingWith(code)));
  return list;
}

/**
 * Splits `text` into tokens with 1-based lines and columns (Chevrotain's conventions: `\r\n` is one
 * line break; a token ending in its only line break ends on its first line), in slices: a slice
 * ends at the first top-level statement separator after `sliceSize` tokens, and the last at the
 * end of the text. Each slice is a new array, on which the mode tracker starts afresh: between
 * top-level statements it is in its initial state anyway.
 */
function* lex(text: string, where: Where, origin: Origin | undefined, sliceSize: number): Generator<IToken[], void, undefined> {
  let tokens: IToken[] = [];
  let offset = 0;
  // Where the next line break is: tokens before it need no scan for line breaks.
  let nextBreak = breakFrom(text, 0);
  let line = 1;
  let column = 1;
  while (offset < text.length) {
    let rule: Rule | undefined;
    let end = -1;
    for (const candidate of candidates(text.charCodeAt(offset))) {
      end = candidate.match(text, offset, tokens);
      if (end > offset) {
        rule = candidate;
        break;
      }
    }
    if (rule === undefined) throw lexingError(text, offset, line, column, where, origin);
    const length = end - offset;
    const startLine = line;
    const startColumn = column;
    let breaks = 0;
    let lastBreak = -1; // offset of the last character of the last line break
    if (nextBreak < end) {
      for (let i = offset; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c === 13 && i + 1 < end && text.charCodeAt(i + 1) === 10) i++;
        else if (c !== 10 && c !== 13) continue;
        breaks++;
        lastBreak = i;
      }
      nextBreak = breakFrom(text, end);
    }
    let endLine = startLine;
    let endColumn = startColumn + length - 1;
    if (breaks === 0) column += length;
    else {
      line += breaks;
      column = end - lastBreak;
      const endsWithBreak = lastBreak === end - 1;
      if (breaks > 1 || !endsWithBreak) {
        endLine = endsWithBreak ? line - 1 : line;
        endColumn = endsWithBreak ? column : column - 1;
      }
    }
    offset = end;
    if (!rule.skipped) {
      const type = rule.type;
      // Not in the field order of Chevrotain's createTokenInstance: literals with the same keys in the
      // same order share hidden classes, and Chevrotain's EOF token (NaN positions) would make every
      // position field of ours a boxed double — and, copied into spans, theirs too.
      tokens.push({ tokenType: type, tokenTypeIdx: type.tokenTypeIdx!, image: text.slice(offset - length, end), startOffset: offset - length, endOffset: end - 1, startLine, endLine, startColumn, endColumn });
      if (tokens.length >= sliceSize && (type === Newline || type === Semi) && offset < text.length) {
        tracker.sync(tokens);
        if (tracker.frames.length === 1) {
          yield tokens;
          tokens = [];
        }
      }
    }
  }
  yield tokens;
}

const anyBreak = /[\r\n]/g;

/** The offset of the first line-break character at or after `from`, or the text's length. */
function breakFrom(text: string, from: number): number {
  anyBreak.lastIndex = from;
  return anyBreak.exec(text)?.index ?? text.length;
}

export interface Where {
  file: string;
  /** The whole script (for error rendering). */
  source: string;
}

/** Where a piece of text being lexed sits in the script (for `$( … )` inside strings). */
export interface Origin {
  offset: number;
  line: number;
  column: number;
}

export interface Tokens {
  tokens: IToken[];
  /** These tokens run to the end of the text (the last slice). */
  end: boolean;
  /** For the last slice: brackets still open at the end of the text, outermost first. */
  unclosed: Frame[];
}

export function spanOfToken(token: IToken, file: string): SourceSpan {
  return {
    file,
    startOffset: token.startOffset,
    endOffset: token.endOffset! + 1,
    startLine: token.startLine!,
    startColumn: token.startColumn!,
    endLine: token.endLine!,
    endColumn: token.endColumn!,
  };
}

/** The tokens of `text` (at `origin` in the script: the text of a `$( … )` inside a string). */
export function tokenize(text: string, where: Where, origin?: Origin): Tokens {
  const [slice] = tokenSlices(text, where, Infinity, origin);
  return slice!;
}

/**
 * The tokens of `text` in slices of whole top-level statements, at least `sliceSize` tokens each
 * but the last. A slice is lexed when the previous one has been used, so that a long script's
 * tokens do not all stay alive at once.
 */
export function* tokenSlices(text: string, where: Where, sliceSize: number, origin?: Origin): Generator<Tokens, void, undefined> {
  let previous: IToken[] | undefined;
  // One slice behind, so that each one is known to be the last or not when it is handed out.
  for (const tokens of lex(text, where, origin, sliceSize)) {
    if (previous !== undefined) yield checked(previous, where, false);
    previous = tokens;
  }
  if (origin !== undefined) shift(previous!, origin);
  yield checked(previous!, where, true);
}

/** Reports an unterminated string or comment, or too deep nesting, in a slice just lexed. */
function checked(tokens: IToken[], where: Where, end: boolean): Tokens {
  tracker.sync(tokens);
  const unterminated = tokens[tokens.length - 1];
  if (unterminated?.tokenType === Unterminated) throw unterminatedError(unterminated, where);
  if (tracker.tooDeep !== null) {
    const message = `Brackets are nested more than ${maxNesting} levels deep`;
    throw new ScriptSyntaxError(message, spanOfToken(tracker.tooDeep, where.file), [], where.source, false);
  }
  return { tokens, end, unclosed: end ? tracker.frames.slice(1) : [] };
}

function shift(tokens: IToken[], origin: Origin): void {
  for (const t of tokens) {
    if (t.startLine === 1) t.startColumn! += origin.column - 1;
    if (t.endLine === 1) t.endColumn! += origin.column - 1;
    t.startOffset += origin.offset;
    t.endOffset! += origin.offset;
    t.startLine! += origin.line - 1;
    t.endLine! += origin.line - 1;
  }
}

/** No token matches at `at` (line `atLine`, column `atColumn` of `text`). */
function lexingError(text: string, at: number, atLine: number, atColumn: number, where: Where, origin: Origin | undefined): ScriptSyntaxError {
  const char = text[at] ?? '';
  const line = atLine + (origin ? origin.line - 1 : 0);
  const column = atColumn + (origin && atLine === 1 ? origin.column - 1 : 0);
  const offset = at + (origin?.offset ?? 0);
  const span: SourceSpan = { file: where.file, startOffset: offset, endOffset: offset + 1, startLine: line, startColumn: column, endLine: line, endColumn: column };
  // A lone backtick at the very end is an unfinished line continuation.
  const incomplete = char === '`' && at === text.length - 1;
  return new ScriptSyntaxError(`Unexpected character '${char}'`, span, [], where.source, incomplete);
}

function unterminatedError(token: IToken, where: Where): ScriptSyntaxError {
  unterminatedStart.lastIndex = 0;
  const start = unterminatedStart.exec(token.image)?.[0] ?? token.image[0]!;
  const message =
    start === '<#'
      ? "Missing end of comment: '#>'"
      : start.startsWith('@')
        ? `The here-string is missing its terminator: '${start[1]}@' at the start of a line`
        : `The string is missing the terminator: ${start}`;
  const startToken = { ...token, endOffset: token.startOffset + start.length - 1, endLine: token.startLine, endColumn: token.startColumn! + start.length - 1 };
  return new ScriptSyntaxError(message, spanOfToken(startToken, where.file), [], where.source, true);
}
