// The language front end: source text → typed AST (ast.ts), or a ScriptSyntaxError.
import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { Script, SourceSpan } from './ast.js';
import { AstBuilder } from './build.js';
import { chevrotain } from './chevrotain.js';
import { ScriptSyntaxError } from './errors.js';
import * as T from './lexer.js';
import { decodeDetail, McshellParser } from './parser.js';

export type * from './ast.js';
export { ScriptSyntaxError } from './errors.js';

let parser: McshellParser | undefined;

/** Built once, on first use: grammar analysis is the costliest part of start-up. */
function getParser(): McshellParser {
  parser ??= new McshellParser(true);
  return parser;
}

/**
 * Parses a whole script. Throws ScriptSyntaxError (with the offending position and what was
 * expected) on the first error; there is no error recovery, so nothing of a broken script runs.
 */
export function parseScript(source: string, file = '<script>'): Script {
  try {
    return parseWhole(source, file);
  } catch (e) {
    // Bracket depth is limited by the lexer (T.maxNesting); a long chain of prefix operators or
    // casts still recurses once per link, and that is reported like any other syntax error.
    if (!(e instanceof RangeError && /call stack/i.test(e.message))) throw e;
    const span: SourceSpan = { file, startOffset: 0, endOffset: Math.min(1, source.length), startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
    throw new ScriptSyntaxError('The script is nested too deeply to parse', span, [], source, false);
  }
}

function parseWhole(source: string, file: string): Script {
  const where: T.Where = { file, source };
  const builder: AstBuilder = new AstBuilder(file, source, (start, end, origin) => {
    const inner = T.tokenize(source.slice(start, end), where, { offset: start, ...origin });
    return builder.embeddedStatements(run(inner, where, (p) => p.embeddedStatements()));
  });
  // Lexed, parsed and built in slices of whole top-level statements, each slice's tokens and CST
  // dropped once built: keeping those of a 10,000-line script alive at once makes garbage
  // collection dominate.
  let script: Script | undefined;
  for (const slice of T.tokenSlices(source, where, sliceSize)) {
    if (script === undefined) script = builder.script(run(slice, where, (p) => p.script()));
    else builder.scriptSlice(run(slice, where, (p) => p.scriptSlice()), script);
  }
  builder.finish();
  return script!;
}

const sliceSize = 2000;

/**
 * Whether `source` stops inside an unfinished construct — an open `{`, `(`, `@(`, string or
 * here-string, a trailing `|`, operator or backtick — so a prompt should read another line.
 */
export function isIncomplete(source: string): boolean {
  if (/`(?:\r\n|\n|\r)?$/.test(source)) return true;
  try {
    parseScript(source, '<prompt>');
    return false;
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return error.incomplete;
    throw error;
  }
}

function run<R>(lexed: T.Tokens, where: T.Where, rule: (p: McshellParser) => R): R {
  const p = getParser();
  p.input = lexed.tokens;
  const result = rule(p);
  const error = p.errors[0];
  if (error !== undefined) throw syntaxError(error, lexed, where);
  return result;
}

// ---------------------------------------------------------------- error messages

const closers: Record<string, { closer: string; message: string }> = {
  paren: { closer: "')'", message: "Missing closing ')' in expression" },
  cond: { closer: "')'", message: "Missing closing ')' after the condition" },
  foreach: { closer: "')'", message: "Missing closing ')' in the foreach statement" },
  sub: { closer: "')'", message: "Missing closing ')' in subexpression" },
  call: { closer: "')'", message: "Missing closing ')' in the argument list" },
  param: { closer: "')'", message: "Missing closing ')' in the parameter list" },
  block: { closer: "'}'", message: "Missing closing '}' in statement block" },
  hash: { closer: "'}'", message: "Missing closing '}' in hash literal" },
  bracket: { closer: "']'", message: "Missing closing ']'" },
};

/** Tokens that can begin an expression: when one is expected, they are all summed up as "an expression". */
const expressionStarts = new Set<TokenType>([
  T.NumberToken, T.StringToken, T.SingleString, T.DoubleString, T.HereSingle, T.HereDouble, T.Variable,
  T.DollarParen, T.AtParen, T.AtCurly, T.LCurly, T.LParen, T.LBracket, T.Comma,
  T.PrefixOp, T.NotOp, T.Bang, T.Plus, T.Minus, T.PlusPlus, T.MinusMinus, T.ComparisonOp,
]);

/** Statement keywords and command starts: where an expression is also possible, "an expression" says enough. */
const statementStarts = new Set<TokenType>([
  T.If, T.Foreach, T.While, T.For, T.Do, T.Switch, T.Label, T.Try, T.Trap, T.Function, T.Filter, T.NamedBlock, T.Break, T.Continue, T.Return, T.Throw, T.Exit, T.CommandName, T.Amp, T.DotSource,
]);

function describeExpected(types: TokenType[]): string[] {
  const expression = types.includes(T.NumberToken);
  const labels = new Set<string>();
  for (const type of types) {
    if (expression && expressionStarts.has(type)) labels.add('an expression');
    else if (expression && statementStarts.has(type)) continue;
    else if ((type === T.Amp || type === T.DotSource) && types.includes(T.CommandName)) continue;
    else labels.add(type.LABEL ?? type.name);
  }
  return [...labels];
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** `lexed`: the slice being parsed (its end may be a top-level separator rather than the input's end). */
function syntaxError(error: IRecognitionException, lexed: T.Tokens, where: T.Where): ScriptSyntaxError {
  const token = error.token;
  const expected = describeExpected(decodeDetail(error.message).expected);
  if (token.tokenType === chevrotain.EOF) {
    const atInputEnd = lexed.end;
    const open = lexed.unclosed[lexed.unclosed.length - 1];
    if (open !== undefined && atInputEnd) {
      const { closer, message } = closers[open.kind]!;
      return new ScriptSyntaxError(message, T.spanOfToken(open.opener!, where.file), [closer], where.source, true);
    }
    const span = endOfInput(lexed.tokens, where);
    return new ScriptSyntaxError(`Unexpected end of input; expected ${orList(expected)}`, span, expected, where.source, atInputEnd);
  }
  const span = T.spanOfToken(token, where.file);
  const previous = (error as IRecognitionException & { previousToken?: IToken }).previousToken;
  // `{ 1 2 }`: the statement ended and something other than a separator followed.
  const statementEnded = previous !== undefined && ![T.Newline, T.Semi, T.LCurly, T.AtCurly].includes(previous.tokenType);
  if (error.name === 'NotAllInputParsedException' || (expected.length === 1 && expected[0] === "'}'" && statementEnded)) {
    const allowed = error.name === 'NotAllInputParsedException' ? [T.Separator.LABEL!] : [T.Separator.LABEL!, "'}'"];
    return new ScriptSyntaxError(`Unexpected token '${token.image}' in expression or statement`, span, allowed, where.source, false);
  }
  return new ScriptSyntaxError(`Unexpected token '${token.image}'; expected ${orList(expected)}`, span, expected, where.source, false);
}

/** A one-character span just after the last token (where more input was expected). */
function endOfInput(tokens: IToken[], where: T.Where): SourceSpan {
  const last = tokens[tokens.length - 1];
  const offset = last ? last.endOffset! + 1 : 0;
  const line = last ? last.endLine! : 1;
  const column = last ? last.endColumn! + 1 : 1;
  return { file: where.file, startOffset: offset, endOffset: offset + 1, startLine: line, startColumn: column, endLine: line, endColumn: column };
}
