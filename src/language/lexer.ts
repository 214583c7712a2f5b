// The mcshell lexer: Chevrotain tokens with custom patterns that consult a small bracket/mode
// tracker, because PowerShell lexes differently in command mode (after a command name: `-x` is a
// parameter, `*.txt` and `C:\x` are strings, `-5` is a number) and in expression mode (`-eq` is an
// operator, `-5` is negation, `*` multiplies).
import type { CustomPatternMatcherReturn, ILexingError, IToken, Lexer as ChevrotainLexer, TokenType } from 'chevrotain';
import type { SourceSpan } from './ast.js';
import { chevrotain } from './chevrotain.js';
import { ScriptSyntaxError } from './errors.js';

const { createToken, Lexer } = chevrotain;

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
  /** Indexes of the separators between top-level statements (where the parser may split). */
  breaks: number[] = [];

  sync(tokens: IToken[]): void {
    if (tokens !== this.tokens) {
      this.tokens = tokens;
      this.seen = 0;
      this.frames = [{ kind: 'top', command: false, opener: null, before: undefined }];
      this.lastClosed = null;
      this.breaks = [];
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
  }

  private apply(token: IToken, before: IToken | undefined): void {
    const type = token.tokenType;
    if (type === LParen) {
      const b = before?.tokenType;
      const kind: FrameKind =
        b === Param || b === FunctionName ? 'param' : b === If || b === ElseIf || b === While ? 'cond' : b === Foreach ? 'foreach' : 'paren';
      this.push(kind, token, before);
    } else if (type === CallParen) this.push('call', token, before);
    else if (type === DollarParen || type === AtParen) this.push('sub', token, before);
    else if (type === LCurly) this.push('block', token, before);
    else if (type === AtCurly) this.push('hash', token, before);
    else if (type === LBracket) this.push('bracket', token, before);
    else if (type === RParen || type === RCurly || type === RBracket) {
      if (this.frames.length > 1) this.lastClosed = this.frames.pop()!;
    } else if ((type === CommandName && before?.tokenType !== Function) || type === Amp) this.frame.command = true;
    else if (endsCommand.has(type)) {
      this.frame.command = false;
      if (this.frames.length === 1 && (type === Newline || type === Semi)) this.breaks.push(this.seen);
    }
  }
}

const tracker = new ModeTracker();

function previous(tokens: IToken[]): IToken | undefined {
  return tokens[tokens.length - 1];
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
  if (type === Newline || type === Semi) return frame.kind !== 'hash';
  if (type === LParen) return frame.kind === 'paren' || frame.kind === 'cond' || frame.kind === 'foreach';
  return statementStarters.has(type);
}

/** Whether the token before `offset` ends a value and touches it (`$x.Name`, `$a[0]`, `f(`). */
function touchesValue(tokens: IToken[], offset: number): boolean {
  const prev = previous(tokens);
  return prev !== undefined && prev.endOffset! + 1 === offset && valueEnds.has(prev.tokenType);
}

// ---------------------------------------------------------------- pattern helpers

type Exec = (text: string, offset: number, tokens: IToken[]) => CustomPatternMatcherReturn | null;

function matched(image: string): CustomPatternMatcherReturn {
  return [image] as CustomPatternMatcherReturn;
}

/** A sticky regexp tried only when `when` holds. */
function guarded(regexp: RegExp, when: (tokens: IToken[], text: string, offset: number) => boolean): Exec {
  const sticky = new RegExp(regexp.source, regexp.flags.includes('y') ? regexp.flags : regexp.flags + 'y');
  return (text, offset, tokens) => {
    if (!when(tokens, text, offset)) return null;
    sticky.lastIndex = offset;
    return sticky.test(text) ? matched(text.slice(offset, sticky.lastIndex)) : null;
  };
}

/** An operator that exists only in expression mode (in command mode `*` or `+x` are strings). */
function expressionOnly(literal: string): Exec {
  return (text, offset, tokens) => (text.startsWith(literal, offset) && !inCommandMode(tokens) ? matched(literal) : null);
}

function codes(chars: string): number[] {
  return [...chars].map((c) => c.charCodeAt(0));
}

/** Chevrotain buckets char codes above 255 in groups of 255: one code per bucket covers them all. */
const nonLatinBuckets: number[] = [];
for (let code = 256; code < 65536; code += 255) nonLatinBuckets.push(code);
const latin1 = Array.from({ length: 0x40 }, (_, i) => 0xc0 + i);
const wordStart = [...codes('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'), ...latin1, ...nonLatinBuckets];
const barewordStart = [
  ...Array.from({ length: 0x7f - 0x21 }, (_, i) => 0x21 + i).filter((c) => !`;|&(){},'"\`$@#`.includes(String.fromCharCode(c))),
  ...Array.from({ length: 0x80 }, (_, i) => 0x80 + i),
  ...nonLatinBuckets,
];

function token(
  name: string,
  pattern: RegExp | string | Exec,
  options: { label?: string; categories?: TokenType[]; group?: string; hint?: number[]; lineBreaks?: boolean } = {},
): TokenType {
  return createToken({
    name,
    pattern: typeof pattern === 'function' ? { exec: pattern } : pattern,
    ...(options.label !== undefined && { label: options.label }),
    ...(options.categories !== undefined && { categories: options.categories }),
    ...(options.group !== undefined && { group: options.group }),
    ...(options.hint !== undefined && { start_chars_hint: options.hint }),
    // Chevrotain cannot see whether a custom pattern spans lines; it must be told.
    ...((options.lineBreaks !== undefined || typeof pattern === 'function') && { line_breaks: options.lineBreaks ?? false }),
  });
}

function category(name: string, label: string): TokenType {
  return createToken({ name, pattern: Lexer.NA, label });
}

// ---------------------------------------------------------------- categories

export const Separator = category('Separator', "';' or a newline");
export const AssignOp = category('AssignOp', "'='");
export const ChainOp = category('ChainOp', "'&&' or '||'");
export const BinaryOp = category('BinaryOp', 'an operator');
export const PrefixOp = category('PrefixOp', 'a unary operator');
export const StringToken = category('StringToken', 'a string');

// ---------------------------------------------------------------- trivia

const Whitespace = token('Whitespace', /[ \t\f\v\u00a0\ufeff]+/, { group: Lexer.SKIPPED });
const LineContinuation = token('LineContinuation', /`(?:\r\n|\n|\r)/, { group: Lexer.SKIPPED, lineBreaks: true });
const BlockComment = token('BlockComment', /<#[\s\S]*?#>/, { group: Lexer.SKIPPED, lineBreaks: true });
const Comment = token('Comment', /#[^\r\n]*/, { group: Lexer.SKIPPED });

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
  }
  // Braces on their own line: `if ($x)⏎{`, `else⏎{`, `function f⏎{`, `catch [T]⏎{`.
  const closed = tracker.lastClosed;
  const beforeBody =
    type === Else ||
    type === Try ||
    type === Finally ||
    type === Catch ||
    type === FunctionName ||
    (type === RParen && closed !== null && (closed.kind === 'cond' || closed.kind === 'foreach' || (closed.kind === 'param' && closed.before === FunctionName))) ||
    (type === RBracket && closed !== null && (closed.before === Catch || closed.before === Comma));
  return beforeBody && text.charCodeAt(nextNonBlank(text, offset)) === 123; /* { */
}

export const Newline = token(
  'Newline',
  (text, offset, tokens) => {
    lineBreak.lastIndex = offset;
    return lineBreak.test(text) && !lineBreakContinues(text, offset, tokens) ? matched(text.slice(offset, lineBreak.lastIndex)) : null;
  },
  { categories: [Separator], label: 'a newline', hint: codes('\r\n'), lineBreaks: true },
);
const SkippedNewline = token('SkippedNewline', /\r\n|\n|\r/, { group: Lexer.SKIPPED, lineBreaks: true });

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
  lineBreaks: true,
});
export const HereDouble = token('HereDouble', /@"[ \t]*(?:\r\n|\n|\r)(?:[\s\S]*?(?:\r\n|\n|\r))??"@/, {
  categories: [StringToken],
  label: 'a string',
  lineBreaks: true,
});
export const SingleString = token('SingleString', /'(?:[^']|'')*'/, { categories: [StringToken], label: 'a string', lineBreaks: true });
export const DoubleString = token(
  'DoubleString',
  (text, offset) => {
    if (text.charCodeAt(offset) !== 34 /* " */) return null;
    const end = scanDoubleQuoted(text, offset);
    return end === -1 ? null : matched(text.slice(offset, end));
  },
  { categories: [StringToken], label: 'a string', hint: codes('"'), lineBreaks: true },
);
/** A string or block comment that never ends: reported as a syntax error (and as incomplete input). */
const unterminatedStart = /['"]|@['"]|<#/y;
export const Unterminated = token(
  'Unterminated',
  (text, offset) => {
    unterminatedStart.lastIndex = offset;
    return unterminatedStart.test(text) ? matched(text.slice(offset)) : null;
  },
  { hint: codes(`'"@<`), lineBreaks: true },
);

// ---------------------------------------------------------------- brackets and punctuation

export const DollarParen = token('DollarParen', '$(', { label: "'$('" });
export const AtParen = token('AtParen', '@(', { label: "'@('" });
export const AtCurly = token('AtCurly', '@{', { label: "'@{'" });
export const Splat = token('Splat', /@[A-Za-z_]\w*/, { label: 'a splatted variable' });
export const Variable = token(
  'Variable',
  /\$(?:\{[^}]*\}|(?:(?:global|script|local|private|env|using):)?[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff]*|[?^$])/i,
  { label: 'a variable' },
);

export const Semi = token('Semi', ';', { categories: [Separator], label: "';'" });
export const AndAnd = token('AndAnd', '&&', { categories: [ChainOp], label: "'&&'" });
export const OrOr = token('OrOr', '||', { categories: [ChainOp], label: "'||'" });
export const Pipe = token('Pipe', '|', { label: "'|'" });
export const Amp = token('Amp', '&', { label: "'&'" });
export const LCurly = token('LCurly', '{', { label: "'{'" });
export const RCurly = token('RCurly', '}', { label: "'}'" });
/** `(` touching a name: method-call or attribute arguments. */
export const CallParen = token(
  'CallParen',
  (text, offset, tokens) =>
    text.charCodeAt(offset) === 40 && touchesValue(tokens, offset) && previous(tokens)!.tokenType === Identifier ? matched('(') : null,
  { label: "'('", hint: codes('(') },
);
export const LParen = token('LParen', '(', { label: "'('" });
export const RParen = token('RParen', ')', { label: "')'" });
export const Comma = token('Comma', ',', { label: "','" });

// ---------------------------------------------------------------- keywords and names

function keyword(name: string, word: string, also?: (prev: IToken | undefined) => boolean): TokenType {
  const exec = guarded(
    new RegExp(`${word}(?![\\w-])`, 'i'),
    (tokens) => atStatementStart(tokens) || (also !== undefined && !tracker.frame.command && also(previous(tokens))),
  );
  return token(name, exec, { label: `'${word}'`, hint: codes(word[0]! + word[0]!.toUpperCase()) });
}

const afterBlock = (prev: IToken | undefined): boolean => prev?.tokenType === RCurly;

export const If = keyword('If', 'if');
export const ElseIf = keyword('ElseIf', 'elseif', afterBlock);
export const Else = keyword('Else', 'else', afterBlock);
export const Foreach = keyword('Foreach', 'foreach');
export const While = keyword('While', 'while');
export const Break = keyword('Break', 'break');
export const Continue = keyword('Continue', 'continue');
export const Function = keyword('Function', 'function');
export const Return = keyword('Return', 'return');
export const Exit = keyword('Exit', 'exit');
export const Try = keyword('Try', 'try');
export const Catch = keyword('Catch', 'catch', afterBlock);
export const Finally = keyword('Finally', 'finally', afterBlock);
export const Throw = keyword('Throw', 'throw');
// `[CmdletBinding()] param(…)`
export const Param = keyword('Param', 'param', (prev) => prev?.tokenType === RBracket);
export const In = token(
  'In',
  guarded(/in(?![\w-])/i, (tokens) => {
    tracker.sync(tokens);
    return tracker.frame.kind === 'foreach' && previous(tokens)?.tokenType === Variable;
  }),
  { label: "'in'", hint: codes('iI') },
);

export const FunctionName = token(
  'FunctionName',
  guarded(/(?:(?:global|script|local):)?[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff.-]*/i, (tokens) => previous(tokens)?.tokenType === Function),
  { label: 'a function name', hint: wordStart },
);
export const CommandName = token(
  'CommandName',
  guarded(
    /(?:[A-Za-z_\u00c0-\uffff]|\.{1,2}[\\/]|[\\/~])[^\s;|&(){}[\],'"`$#<>=]*|[%?](?=[\s{]|$)/,
    (tokens) => atStatementStart(tokens) || previous(tokens)?.tokenType === Amp,
  ),
  { label: 'a command', hint: [...wordStart, ...codes('./\\~%?')] },
);

// ---------------------------------------------------------------- operators

const notInCommand = (tokens: IToken[]): boolean => !inCommandMode(tokens);

export const ComparisonOp = token(
  'ComparisonOp',
  guarded(
    /-(?:[ci]?(?:eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|replace|split)|join|isnot|is|as)(?!\w)/i,
    notInCommand,
  ),
  { categories: [BinaryOp], label: 'a comparison operator', hint: codes('-') },
);
export const LogicalOp = token('LogicalOp', guarded(/-(?:and|or|xor)(?!\w)/i, notInCommand), { categories: [BinaryOp], label: "'-and', '-or' or '-xor'", hint: codes('-') });
export const FormatOp = token('FormatOp', guarded(/-f(?!\w)/i, notInCommand), { categories: [BinaryOp], label: "'-f'", hint: codes('-') });
export const NotOp = token('NotOp', guarded(/-not(?!\w)/i, notInCommand), { categories: [PrefixOp], label: "'-not'", hint: codes('-') });

/** `-Name:` — the value follows the colon. */
export const ParameterColon = token('ParameterColon', /-[A-Za-z_]\w*:/, { label: 'a parameter' });
/** `-Name` in command mode; in expression mode an unknown `-word` (reported as unexpected). */
export const Parameter = token('Parameter', /-[A-Za-z_]\w*/, { label: 'a parameter' });

const numberBody = String.raw`(?:0x[0-9a-f]+|(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?)(?:kb|mb|gb|tb|pb)?`;
const expressionNumber = new RegExp(`${numberBody}(?!\\w)`, 'iy');
// In command mode a number must end the argument (`1.2.3` and `10abc` are strings) and may be negative.
const commandNumber = new RegExp(`-?${numberBody}(?=[\\s;|&)},]|$)`, 'iy');
export const NumberToken = token(
  'Number',
  (text, offset, tokens) => {
    const regexp = inCommandMode(tokens) ? commandNumber : expressionNumber;
    regexp.lastIndex = offset;
    return regexp.test(text) ? matched(text.slice(offset, regexp.lastIndex)) : null;
  },
  { label: 'a number', hint: codes('0123456789.-') },
);

export const DotDot = token('DotDot', expressionOnly('..'), { categories: [BinaryOp], label: "'..'", hint: codes('.') });
export const ColonColon = token('ColonColon', expressionOnly('::'), { label: "'::'", hint: codes(':') });
export const Dot = token(
  'Dot',
  (text, offset, tokens) => (text.charCodeAt(offset) === 46 && text.charCodeAt(offset + 1) !== 46 && touchesValue(tokens, offset) ? matched('.') : null),
  { label: "'.'", hint: codes('.') },
);
export const LBracket = token(
  'LBracket',
  (text, offset, tokens) => (text.charCodeAt(offset) === 91 && (!inCommandMode(tokens) || touchesValue(tokens, offset)) ? matched('[') : null),
  { label: "'['", hint: codes('[') },
);
export const RBracket = token('RBracket', ']', { label: "']'" });

function assignment(name: string, literal: string): TokenType {
  return token(name, expressionOnly(literal), { categories: [AssignOp], label: `'${literal}'`, hint: codes(literal[0]!) });
}
export const PlusAssign = assignment('PlusAssign', '+=');
export const MinusAssign = assignment('MinusAssign', '-=');
export const StarAssign = assignment('StarAssign', '*=');
export const SlashAssign = assignment('SlashAssign', '/=');
export const PercentAssign = assignment('PercentAssign', '%=');
export const Assign = assignment('Assign', '=');
export const PlusPlus = token('PlusPlus', expressionOnly('++'), { categories: [PrefixOp], label: "'++'", hint: codes('+') });
export const MinusMinus = token('MinusMinus', expressionOnly('--'), { categories: [PrefixOp], label: "'--'", hint: codes('-') });
export const Plus = token('Plus', expressionOnly('+'), { categories: [BinaryOp, PrefixOp], label: "'+'", hint: codes('+') });
export const Minus = token('Minus', expressionOnly('-'), { categories: [BinaryOp, PrefixOp], label: "'-'", hint: codes('-') });
export const Star = token('Star', expressionOnly('*'), { categories: [BinaryOp], label: "'*'", hint: codes('*') });
export const Slash = token('Slash', expressionOnly('/'), { categories: [BinaryOp], label: "'/'", hint: codes('/') });
export const Percent = token('Percent', expressionOnly('%'), { categories: [BinaryOp], label: "'%'", hint: codes('%') });
export const Bang = token('Bang', expressionOnly('!'), { categories: [PrefixOp], label: "'!'", hint: codes('!') });

/** A member or type name (`.Name`, `[int]`, hashtable keys, attribute arguments). */
export const Identifier = token(
  'Identifier',
  guarded(/[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff]*/, (tokens, _text, offset) => {
    if (!inCommandMode(tokens)) return true;
    const prev = previous(tokens);
    return prev !== undefined && (prev.tokenType === Dot || prev.tokenType === ColonColon) && prev.endOffset! + 1 === offset;
  }),
  { label: 'a name', hint: wordStart },
);
/** An unquoted command argument: `Where-Object`, `./x.mcs`, `C:\x`, `*.txt`. */
export const Bareword = token('Bareword', guarded(/[^\s;|&(){},'"`$@#][^\s;|&(){},'"`$]*/, inCommandMode), {
  label: 'an argument',
  hint: barewordStart,
});

// Token types that change or end command mode, start statements, continue lines, end values.
const endsCommand = new Set<TokenType>([Newline, Semi, Pipe, AndAnd, OrOr]);
const statementStarters = new Set<TokenType>([
  Pipe, AndAnd, OrOr, Amp, Return, Throw, In, LCurly, DollarParen, AtParen,
  Assign, PlusAssign, MinusAssign, StarAssign, SlashAssign, PercentAssign,
]);
const lineContinuers = new Set<TokenType>([
  Pipe, AndAnd, OrOr, Comma, LParen, Assign, PlusAssign, MinusAssign, StarAssign, SlashAssign, PercentAssign,
  Plus, Minus, Star, Slash, Percent, DotDot, ComparisonOp, LogicalOp, FormatOp, NotOp, Bang,
]);
const valueEnds = new Set<TokenType>([Variable, RParen, RBracket, RCurly, Identifier, SingleString, DoubleString]);

/** In priority order: Chevrotain takes the first pattern that matches. */
export const allTokens: TokenType[] = [
  Whitespace, LineContinuation, BlockComment, Comment, Newline, SkippedNewline,
  HereSingle, HereDouble, SingleString, DoubleString,
  DollarParen, AtParen, AtCurly, Splat, Variable,
  Semi, AndAnd, OrOr, Pipe, Amp, LCurly, RCurly, CallParen, LParen, RParen, Comma,
  ElseIf, Else, If, Foreach, While, Break, Continue, Function, Return, Exit, Try, Catch, Finally, Throw, Param, In,
  FunctionName, CommandName,
  ComparisonOp, LogicalOp, FormatOp, NotOp, ParameterColon, Parameter,
  NumberToken, DotDot, ColonColon, Dot, LBracket, RBracket,
  PlusAssign, MinusAssign, StarAssign, SlashAssign, PercentAssign, Assign,
  PlusPlus, MinusMinus, Plus, Minus, Star, Slash, Percent, Bang,
  Identifier, Bareword, Unterminated,
  Separator, AssignOp, ChainOp, BinaryOp, PrefixOp, StringToken,
];

// ---------------------------------------------------------------- tokenizing

let lexer: ChevrotainLexer | undefined;

function getLexer(): ChevrotainLexer {
  // Validations cost start-up time; the test suite builds the lexer with them (see lexerDefinitionErrors).
  lexer ??= new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true, skipValidations: true });
  return lexer;
}

/** Builds the lexer with Chevrotain's validations on; returns what they found (for the tests). */
export function lexerDefinitionErrors(): string[] {
  return new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true, deferDefinitionErrorsHandling: true }).lexerDefinitionErrors.map(
    (e) => e.message,
  );
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
  /** Brackets still open at the end of the text, outermost first. */
  unclosed: Frame[];
  /** Indexes of top-level statement separators. */
  breaks: number[];
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

export function tokenize(text: string, where: Where, origin?: Origin): Tokens {
  const result = getLexer().tokenize(text);
  if (origin !== undefined) shift(result.tokens, origin);
  tracker.sync(result.tokens);
  const unclosed = tracker.frames.slice(1);
  const breaks = tracker.breaks;
  const error = result.errors[0];
  if (error !== undefined) throw lexingError(error, text, where, origin);
  const unterminated = result.tokens.find((t) => t.tokenType === Unterminated);
  if (unterminated !== undefined) throw unterminatedError(unterminated, where);
  return { tokens: result.tokens, unclosed, breaks };
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

function lexingError(error: ILexingError, text: string, where: Where, origin?: Origin): ScriptSyntaxError {
  const char = text[error.offset] ?? '';
  const line = error.line! + (origin ? origin.line - 1 : 0);
  const column = error.column! + (origin && error.line === 1 ? origin.column - 1 : 0);
  const offset = error.offset + (origin?.offset ?? 0);
  const span: SourceSpan = { file: where.file, startOffset: offset, endOffset: offset + 1, startLine: line, startColumn: column, endLine: line, endColumn: column };
  // A lone backtick at the very end is an unfinished line continuation.
  const incomplete = char === '`' && error.offset === text.length - 1;
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
