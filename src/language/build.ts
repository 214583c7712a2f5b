// The CST visitor: turns the parser's concrete syntax tree into the typed AST of ast.ts. One
// method per grammar rule (a test checks none is missing).
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { ScriptSyntaxError } from './errors.js';
import { Comma, DotDot, FormatOp, scanParens } from './lexer.js';
import { scanNumber } from './numbers.js';

type Children = CstNode['children'];

function tokensOf(c: Children, name: string): IToken[] {
  return (c[name] as IToken[] | undefined) ?? [];
}
function tokenOf(c: Children, name: string): IToken | undefined {
  return (c[name] as IToken[] | undefined)?.[0];
}
function nodesOf(c: Children, name: string): CstNode[] {
  return (c[name] as CstNode[] | undefined) ?? [];
}
function nodeOf(c: Children, name: string): CstNode | undefined {
  return (c[name] as CstNode[] | undefined)?.[0];
}
/**
 * Which of `names` the node has (Chevrotain makes `children` null-prototype, i.e. dictionary-mode,
 * objects: probing keys is much cheaper than a for-in loop over one).
 */
function which(c: Children, names: readonly string[]): string {
  for (const name of names) if (c[name] !== undefined) return name;
  throw new Error('internal error: the CST lacks a node the grammar requires');
}
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal error: the CST lacks a node the grammar requires');
  return value;
}

/** The alternatives of the `statement` and `postfixExpression` rules, the commonest first. */
const statementAlternatives = [
  'ifStatement', 'foreachStatement', 'whileStatement', 'forStatement', 'switchStatement', 'tryStatement',
  'trapStatement', 'functionDefinition', 'flowStatement', 'exitStatement', 'loopControl', 'doStatement', 'labeledStatement',
];
const loopAlternatives = ['foreachStatement', 'whileStatement', 'forStatement', 'doStatement', 'switchStatement'];
const switchOptions = ['regex', 'wildcard', 'exact', 'casesensitive', 'file'] as const;
const primaryAlternatives = ['Variable', 'Number', 'StringToken', 'parenExpression', 'scriptBlock', 'subexpression', 'arraySubexpression', 'hashLiteral'];

/** The text or expression an argument piece contributes when joined (see joinAdjacent). */
function argumentPieces(value: A.Expression): (string | A.Expression)[] | undefined {
  switch (value.kind) {
    case 'Variable':
      return [value];
    case 'String':
      return [value.value];
    case 'Number':
      return [value.raw];
    case 'ExpandableString':
      return value.parts;
  }
  return undefined;
}

/**
 * `$dir/file`, `$n-01`, `a$n`: argument pieces written with no space between them, one a
 * variable, are one argument expanded as text (about_Parsing, argument mode).
 */
function joinAdjacent(args: A.CommandArgument[], spanOf: (from: A.SourceSpan, to: A.SourceSpan) => A.SourceSpan): A.CommandArgument[] {
  const joined: A.CommandArgument[] = [];
  for (const arg of args) {
    const previous = joined[joined.length - 1];
    if (previous?.kind === 'PositionalArgument' && arg.kind === 'PositionalArgument' && previous.span.endOffset === arg.span.startOffset) {
      const left = argumentPieces(previous.value);
      const right = argumentPieces(arg.value);
      if (left && right && [...left, ...right].some((piece) => typeof piece !== 'string')) {
        const span = spanOf(previous.span, arg.span);
        joined[joined.length - 1] = { kind: 'PositionalArgument', span, value: { kind: 'ExpandableString', span, parts: [...left, ...right], here: false } };
        continue;
      }
    }
    joined.push(arg);
  }
  return joined;
}

/** Binary operator precedence, loosest first (PowerShell's about_Operator_Precedence). */
function precedence(op: IToken): number {
  switch (op.tokenType.name) {
    case 'LogicalOp':
      return 1;
    case 'ComparisonOp':
      return 2;
    case 'Plus':
    case 'Minus':
      return 3;
    case 'Coalesce':
      return 2.5; // between comparison and arithmetic (PowerShell 7's `??`)
    case 'Star':
    case 'Slash':
    case 'Percent':
      return 4;
    default:
      return op.tokenType === FormatOp ? 5 : op.tokenType === DotDot ? 6 : 7; // 7: the comma
  }
}

const escapes: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
// A name may start with a digit: `$1` is a variable, as in PowerShell.
const embeddedVariable = /\$(?:\{[^}]*\}|(?:(?:global|script|local|private|env|using):)?[\w\u00c0-\uffff][\w\u00c0-\uffff]*|[?^$])/iy;
const scopes = new Set(['global', 'script', 'local', 'private']);

/** 1-based line/column of offsets in the script, for spans built inside string tokens. */
class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly source: string) {}

  position(offset: number): { line: number; column: number } {
    if (this.starts === undefined) {
      this.starts = [0];
      const breaks = /\r\n|\n|\r/g;
      for (let m = breaks.exec(this.source); m !== null; m = breaks.exec(this.source)) this.starts.push(m.index + m[0].length);
    }
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.starts[low]! + 1 };
  }
}

/** Parses `$( … )` found inside a double-quoted string: absolute offsets into the script. */
export type EmbeddedParser = (start: number, end: number, origin: { line: number; column: number }) => A.Statement[];

export class AstBuilder {
  private readonly lines: LineIndex;
  /** `$i++` / `$i--` nodes; each must turn out to be a whole statement (see pipelineStatement). */
  private readonly increments = new Set<A.UnaryExpression>();
  /** `$i++` statements turned into `$i += 1`, with the expression they were (for `($i++)`, which outputs). */
  private readonly incrementStatements = new WeakMap<A.Statement, A.UnaryExpression>();

  constructor(
    private readonly file: string,
    private readonly source: string,
    private readonly parseEmbedded: EmbeddedParser,
  ) {
    this.lines = new LineIndex(source);
  }

  // ------------------------------------------------------------ spans

  /**
   * From the start of `from` to the end of `to` (tokens, or spans of nodes already built). Every span
   * comes from this one object literal (spanAt aside), so all share one shape whose fields stay small
   * integers: a span built by spreading another had three fields out of line and every number boxed.
   */
  private span(from: IToken | A.SourceSpan, to: IToken | A.SourceSpan = from): A.SourceSpan {
    // A node covering exactly one other (a pipeline of one element, an element of one expression)
    // shares its span: spans are never changed once built, and fewer objects are less to collect.
    if (from === to && 'file' in to) return to;
    return {
      file: this.file,
      startOffset: from.startOffset,
      endOffset: 'file' in to ? to.endOffset : to.endOffset! + 1, // a token's end offset is inclusive
      startLine: from.startLine!,
      startColumn: from.startColumn!,
      endLine: to.endLine!,
      endColumn: to.endColumn!,
    };
  }

  /** The span of a node from its opening to its closing token (e.g. `{` … `}`). */
  private between(node: CstNode, open: string, close: string): A.SourceSpan {
    return this.span(must(tokenOf(node.children, open)), must(tokenOf(node.children, close)));
  }

  /** Span of `[start, end)` offsets in the script. */
  private spanAt(start: number, end: number): A.SourceSpan {
    const first = this.lines.position(start);
    const last = this.lines.position(Math.max(start, end - 1));
    return { file: this.file, startOffset: start, endOffset: end, startLine: first.line, startColumn: first.column, endLine: last.line, endColumn: last.column };
  }

  private error(message: string, span: A.SourceSpan, expected: string[] = []): ScriptSyntaxError {
    return new ScriptSyntaxError(message, span, expected, this.source, false);
  }

  // ------------------------------------------------------------ script and statements

  script(node: CstNode): A.Script {
    const c = node.children;
    const params = nodeOf(c, 'paramBlock');
    const { body, blocks } = this.scriptBody(must(nodeOf(c, 'scriptBody')));
    const script: A.Script = { kind: 'Script', span: this.spanAt(0, this.source.length), params: params ? this.paramBlock(params) : null, body, source: this.source };
    if (blocks) script.blocks = blocks;
    return script;
  }

  /** A later slice of `script`: its statements, or named blocks, join the script's. */
  scriptSlice(node: CstNode, script: A.Script): void {
    const { body, blocks } = this.scriptBody(must(nodeOf(node.children, 'scriptBody')));
    if (blocks === undefined) {
      script.body.push(...body);
      return;
    }
    script.blocks ??= { begin: null, process: null, end: null, clean: null };
    for (const name of ['begin', 'process', 'end', 'clean'] as const) {
      const statements = blocks[name];
      if (statements) script.blocks[name] = [...(script.blocks[name] ?? []), ...statements];
    }
  }

  scriptBody(node: CstNode): { body: A.Statement[]; blocks?: A.NamedBlocks } {
    const c = node.children;
    const list = nodeOf(c, 'statementList');
    if (list) return { body: this.statementList(list) };
    const blocks: A.NamedBlocks = { begin: null, process: null, end: null, clean: null };
    for (const named of nodesOf(c, 'namedBlock')) {
      const { name, statements, span } = this.namedBlock(named);
      if (blocks[name] !== null) throw this.error(`The ${name} block is defined twice`, span);
      blocks[name] = statements;
    }
    return { body: [], blocks };
  }

  namedBlock(node: CstNode): { name: keyof A.NamedBlocks; statements: A.Statement[]; span: A.SourceSpan } {
    const keyword = must(tokenOf(node.children, 'NamedBlock'));
    const name = keyword.image.toLowerCase() as keyof A.NamedBlocks;
    return { name, statements: this.block(must(nodeOf(node.children, 'block'))).statements, span: this.span(keyword) };
  }

  /** Call when the whole script is built: `$i++` left inside an expression yields the value before. */
  finish(): void {
    for (const increment of this.increments) increment.operator = increment.operator === '++' ? 'post++' : 'post--';
  }

  embeddedStatements(node: CstNode): A.Statement[] {
    return this.statementList(must(nodeOf(node.children, 'statementList')));
  }

  statementList(node: CstNode): A.Statement[] {
    return nodesOf(node.children, 'statement').map((s) => this.statement(s));
  }

  block(node: CstNode): A.Block {
    return { kind: 'Block', span: this.between(node, 'LCurly', 'RCurly'), statements: this.statementList(must(nodeOf(node.children, 'statementList'))) };
  }

  statement(node: CstNode): A.Statement {
    const c = node.children;
    // The pipelineStatement rule, first pipeline and all, is inlined in the statement rule.
    if (c.command !== undefined || c.unary !== undefined) return this.pipelineStatement(node);
    const name = which(c, statementAlternatives);
    const child = c[name]![0];
    switch (name) {
      case 'ifStatement':
        return this.ifStatement(child as CstNode);
      case 'foreachStatement':
        return this.foreachStatement(child as CstNode);
      case 'whileStatement':
        return this.whileStatement(child as CstNode);
      case 'tryStatement':
        return this.tryStatement(child as CstNode);
      case 'functionDefinition':
        return this.functionDefinition(child as CstNode);
      case 'forStatement':
        return this.forStatement(child as CstNode);
      case 'trapStatement':
        return this.trapStatement(child as CstNode);
      case 'doStatement':
        return this.doStatement(child as CstNode);
      case 'switchStatement':
        return this.switchStatement(child as CstNode);
      case 'labeledStatement':
        return this.labeledStatement(child as CstNode);
      case 'loopControl':
        return this.loopControl(child as CstNode);
      case 'flowStatement':
        return this.flowStatement(child as CstNode);
      default:
        return this.exitStatement(child as CstNode);
    }
  }

  flowStatement(node: CstNode): A.ReturnStatement | A.ThrowStatement {
    const c = node.children;
    const keyword = tokenOf(c, 'Return') ?? must(tokenOf(c, 'Throw'));
    const valueNode = nodeOf(c, 'pipelineStatement');
    const value = valueNode ? this.asPipeline(this.pipelineStatement(valueNode)) : null;
    const span = value ? this.span(keyword, value.span) : this.span(keyword);
    return keyword.tokenType.name === 'Return' ? { kind: 'Return', span, value } : { kind: 'Throw', span, value };
  }

  exitStatement(node: CstNode): A.ExitStatement {
    const c = node.children;
    const keyword = must(tokenOf(c, 'Exit'));
    const codeNode = nodeOf(c, 'expression');
    const code = codeNode ? this.expression(codeNode) : null;
    return { kind: 'Exit', span: code ? this.span(keyword, code.span) : this.span(keyword), code };
  }

  /** Conditions and values are pipelines; an assignment there (`if ($x = f)`) acts as `($x = f)`. */
  private asPipeline(statement: A.Statement): A.Pipeline | A.PipelineChain {
    if (statement.kind === 'Pipeline' || statement.kind === 'PipelineChain') return statement;
    const paren: A.ParenExpression = { kind: 'Paren', span: statement.span, pipeline: statement };
    return { kind: 'Pipeline', span: statement.span, elements: [{ kind: 'ExpressionElement', span: statement.span, expression: paren }] };
  }

  ifStatement(node: CstNode): A.IfStatement {
    const c = node.children;
    const conditions = nodesOf(c, 'condition');
    const blocks = nodesOf(c, 'block');
    const elseNode = nodeOf(c, 'elseBody');
    const clauses = conditions.map((cond, i) => ({ condition: this.condition(cond), body: this.block(blocks[i]!) }));
    const elseBody = elseNode ? this.block(elseNode) : null;
    const last = elseBody ?? clauses[clauses.length - 1]!.body;
    return { kind: 'If', span: this.span(must(tokenOf(c, 'If')), last.span), clauses, elseBody };
  }

  condition(node: CstNode): A.Pipeline | A.PipelineChain {
    return this.asPipeline(this.pipelineStatement(must(nodeOf(node.children, 'pipelineStatement'))));
  }

  loopControl(node: CstNode): A.BreakStatement | A.ContinueStatement {
    const c = node.children;
    const keyword = tokenOf(c, 'Break') ?? must(tokenOf(c, 'Continue'));
    const label = tokenOf(c, 'Identifier');
    const span = this.span(keyword, label ?? keyword);
    return { kind: keyword.tokenType.name === 'Break' ? 'Break' : 'Continue', span, label: label ? label.image.toLowerCase() : null };
  }

  labeledStatement(node: CstNode): A.Statement {
    const c = node.children;
    const name = which(c, loopAlternatives);
    const loop = this.statement({ name: 'statement', children: { [name]: c[name]! } }) as A.ForeachStatement;
    loop.label = must(tokenOf(c, 'Label')).image.slice(1).toLowerCase();
    return loop;
  }

  forStatement(node: CstNode): A.ForStatement {
    const c = node.children;
    const body = this.block(must(nodeOf(c, 'block')));
    const part = (name: string) => {
      const n = nodeOf(c, name);
      return n ? this.pipelineStatement(n) : null;
    };
    const test = part('test');
    return {
      kind: 'For',
      span: this.span(must(tokenOf(c, 'For')), body.span),
      label: null,
      initializer: part('initializer'),
      test: test ? this.asPipeline(test) : null,
      iterator: part('iterator'),
      body,
    };
  }

  doStatement(node: CstNode): A.DoStatement {
    const c = node.children;
    const condition = this.condition(must(nodeOf(c, 'condition')));
    const body = this.block(must(nodeOf(c, 'block')));
    return { kind: 'Do', span: this.span(must(tokenOf(c, 'Do')), condition.span), label: null, body, condition, until: tokenOf(c, 'Until') !== undefined };
  }

  switchStatement(node: CstNode): A.SwitchStatement {
    const c = node.children;
    const keyword = must(tokenOf(c, 'Switch'));
    const options: A.SwitchStatement['options'] = new Set();
    for (const option of tokensOf(c, 'Parameter')) {
      const written = option.image.slice(1).toLowerCase();
      const match = switchOptions.filter((o) => o.startsWith(written));
      if (match.length !== 1) {
        throw this.error(`Unknown switch option '${option.image}'; the options are -Regex, -Wildcard, -Exact, -CaseSensitive and -File`, this.span(option));
      }
      options.add(match[0]!);
    }
    const conditionNode = nodeOf(c, 'condition');
    let subject: A.Pipeline | A.PipelineChain;
    if (conditionNode) subject = this.condition(conditionNode);
    else {
      const variable = tokenOf(c, 'Variable');
      const word = tokenOf(c, 'Bareword');
      const path: A.Expression = variable
        ? this.variable(variable)
        : word
          ? { kind: 'String', span: this.span(word), value: word.image, quote: 'bare' }
          : this.string(must(tokenOf(c, 'StringToken')));
      subject = this.pipelineOf(path);
      if (!options.has('file')) throw this.error('The switch statement needs its value in parentheses: switch ($x) { … }', subject.span);
    }
    const clauses = nodesOf(c, 'switchClause').map((n) => this.switchClause(n));
    const defaults = clauses.filter((clause) => clause.condition === null);
    if (defaults.length > 1) throw this.error('A switch statement can have only one default clause', defaults[1]!.span);
    return { kind: 'Switch', span: this.span(keyword, must(tokenOf(c, 'RCurly'))), label: null, options, subject, clauses };
  }

  switchClause(node: CstNode): A.SwitchClause {
    const c = node.children;
    const body = this.block(must(nodeOf(c, 'block')));
    const word = tokenOf(c, 'CommandName') ?? tokenOf(c, 'Bareword') ?? tokenOf(c, 'Identifier');
    let condition: A.Expression | null;
    if (word) condition = word.image.toLowerCase() === 'default' ? null : { kind: 'String', span: this.span(word), value: word.image, quote: 'bare' };
    else condition = this.unary(must(nodeOf(c, 'unary')));
    return { condition, body, span: this.span(condition?.span ?? must(word), body.span) };
  }

  foreachStatement(node: CstNode): A.ForeachStatement {
    const c = node.children;
    const body = this.block(must(nodeOf(c, 'block')));
    return {
      kind: 'Foreach',
      label: null,
      span: this.span(must(tokenOf(c, 'Foreach')), body.span),
      variable: this.variable(must(tokenOf(c, 'Variable'))).name,
      iterable: this.asPipeline(this.pipelineStatement(must(nodeOf(c, 'pipelineStatement')))),
      body,
    };
  }

  whileStatement(node: CstNode): A.WhileStatement {
    const c = node.children;
    const body = this.block(must(nodeOf(c, 'block')));
    return { kind: 'While', span: this.span(must(tokenOf(c, 'While')), body.span), label: null, condition: this.condition(must(nodeOf(c, 'condition'))), body };
  }

  tryStatement(node: CstNode): A.TryStatement {
    const c = node.children;
    const catches = nodesOf(c, 'catchClause').map((n) => this.catchClause(n));
    const finallyNode = nodeOf(c, 'finallyBody');
    if (catches.length === 0 && finallyNode === undefined) {
      const tryToken = must(tokenOf(c, 'Try'));
      throw this.error('The try statement is missing its catch or finally block', this.span(tryToken), ["'catch'", "'finally'"]);
    }
    const body = this.block(must(nodeOf(c, 'block')));
    const finallyBody = finallyNode ? this.block(finallyNode) : null;
    if (finallyBody) this.checkFinally(finallyBody.statements, false);
    const last = finallyBody?.span ?? catches[catches.length - 1]!.span;
    return { kind: 'Try', span: this.span(must(tokenOf(c, 'Try')), last), body, catches, finallyBody };
  }

  trapStatement(node: CstNode): A.TrapStatement {
    const c = node.children;
    const body = this.block(must(nodeOf(c, 'block')));
    return { kind: 'Trap', span: this.span(must(tokenOf(c, 'Trap')), body.span), types: nodesOf(c, 'typeLiteral').map((t) => this.writtenType(t)), body };
  }

  /** `return`, and `break`/`continue` not inside a loop of their own, cannot leave a finally block (PowerShell's ControlLeavingFinally). */
  private checkFinally(statements: readonly A.Statement[], inLoop: boolean): void {
    for (const s of statements) {
      if (s.kind === 'Return' || ((s.kind === 'Break' || s.kind === 'Continue') && (!inLoop || s.label !== null))) {
        throw this.error('Control cannot leave a finally block', s.span);
      }
      if (s.kind === 'If') {
        for (const clause of s.clauses) this.checkFinally(clause.body.statements, inLoop);
        if (s.elseBody) this.checkFinally(s.elseBody.statements, inLoop);
      } else if (s.kind === 'Foreach' || s.kind === 'While' || s.kind === 'For' || s.kind === 'Do') this.checkFinally(s.body.statements, true);
      else if (s.kind === 'Switch') for (const clause of s.clauses) this.checkFinally(clause.body.statements, true);
      else if (s.kind === 'Try') {
        this.checkFinally(s.body.statements, inLoop);
        for (const clause of s.catches) this.checkFinally(clause.body.statements, inLoop);
      }
    }
  }

  catchClause(node: CstNode): A.TryStatement['catches'][number] {
    const c = node.children;
    const body = this.block(must(nodeOf(c, 'block')));
    return { types: nodesOf(c, 'typeLiteral').map((t) => this.writtenType(t)), body, span: this.span(must(tokenOf(c, 'Catch')), body.span) };
  }

  functionDefinition(node: CstNode): A.FunctionDefinition {
    const c = node.children;
    const body = this.scriptBlock(must(nodeOf(c, 'scriptBlock')));
    const list = nodeOf(c, 'parameterList');
    let params = body.params;
    if (list !== undefined) {
      const open = must(tokenOf(c, 'LParen'));
      const close = must(tokenOf(c, 'RParen'));
      params = { kind: 'ParamBlock', span: this.span(open, close), params: this.parameterList(list) };
      body.params = params;
    }
    const filter = tokenOf(c, 'Filter');
    // A filter's body is its process block (about_Functions, Filters).
    if (filter && !body.blocks) {
      body.blocks = { begin: null, process: body.body, end: null, clean: null };
      body.body = [];
    }
    return { kind: 'FunctionDefinition', span: this.span(filter ?? must(tokenOf(c, 'Function')), body.span), name: must(tokenOf(c, 'FunctionName')).image, params, body };
  }

  // ------------------------------------------------------------ param blocks

  paramBlock(node: CstNode): A.ParamBlock {
    const c = node.children;
    const first = nodeOf(c, 'attribute');
    const start = first ? must(tokenOf(first.children, 'LBracket')) : must(tokenOf(c, 'Param'));
    const block: A.ParamBlock = { kind: 'ParamBlock', span: this.span(start, must(tokenOf(c, 'RParen'))), params: this.parameterList(must(nodeOf(c, 'parameterList'))) };
    const attributes = nodesOf(c, 'attribute').map((a) => this.attribute(a));
    if (attributes.length > 0) block.attributes = attributes;
    return block;
  }

  parameterList(node: CstNode): A.ParameterDeclaration[] {
    const params = nodesOf(node.children, 'parameter').map((p) => this.parameter(p));
    const seen = new Set<string>();
    for (const p of params) {
      // PowerShell's parse error DuplicateFormalParameter (about_Functions_Advanced_Parameters).
      if (seen.has(p.name.toLowerCase())) throw this.error(`Duplicate parameter $${p.name} in parameter list`, p.span);
      seen.add(p.name.toLowerCase());
    }
    return params;
  }

  parameter(node: CstNode): A.ParameterDeclaration {
    const c = node.children;
    const attributes: A.AttributeNode[] = [];
    let type: string | null = null;
    for (const a of nodesOf(c, 'attribute')) {
      const attribute = this.attribute(a);
      // `[int]` without arguments is a type constraint; `[Name(…)]` is an attribute.
      if (tokenOf(a.children, 'CallParen') === undefined) type = attribute.name.toLowerCase();
      else attributes.push(attribute);
    }
    const defaultNode = nodeOf(c, 'expression');
    const defaultValue = defaultNode ? this.expression(defaultNode) : null;
    const variable = must(tokenOf(c, 'Variable'));
    const first = nodeOf(c, 'attribute');
    const start = first ? must(tokenOf(first.children, 'LBracket')) : variable;
    return { kind: 'ParameterDeclaration', span: this.span(start, defaultValue?.span ?? variable), name: this.variable(variable).name, type, defaultValue, attributes };
  }

  attribute(node: CstNode): A.AttributeNode {
    const c = node.children;
    const positional: A.Expression[] = [];
    const named: A.AttributeNode['named'] = [];
    for (const arg of nodesOf(c, 'attributeArgument')) {
      const { name, value } = this.attributeArgument(arg);
      if (name !== null) named.push({ name, value });
      else positional.push(must(value ?? undefined));
    }
    return { kind: 'Attribute', span: this.between(node, 'LBracket', 'RBracket'), name: this.typeName(must(nodeOf(c, 'typeName'))), positional, named };
  }

  /** `Mandatory` (named, no value), `Position = 0` (named), `'a'` (positional). */
  attributeArgument(node: CstNode): { name: string | null; value: A.Expression | null } {
    const c = node.children;
    const valueNode = nodeOf(c, 'expression');
    return { name: tokenOf(c, 'Identifier')?.image ?? null, value: valueNode ? this.expression(valueNode) : null };
  }

  /** Lower-cased type name: `int`, `string[]`, `system.io.file`. */
  typeLiteral(node: CstNode): string {
    return this.typeName(must(nodeOf(node.children, 'typeName'))).toLowerCase();
  }

  /** The name in a type literal as written (`[System.IO.IOException]`). */
  private writtenType(node: CstNode): string {
    return this.typeName(must(nodeOf(node.children, 'typeName')));
  }

  /** The type name as written. */
  typeName(node: CstNode): string {
    const c = node.children;
    let name = tokensOf(c, 'Identifier')
      .map((t) => t.image)
      .join('.');
    if (tokenOf(c, 'LBracket') !== undefined) name += `[${nodesOf(c, 'typeName').map((t) => this.typeName(t)).join(',')}]`;
    return name;
  }

  // ------------------------------------------------------------ pipelines and commands

  pipelineStatement(node: CstNode): A.Statement {
    const c = node.children;
    // The first pipeline is inlined; those after `&&` and `||` are pipeline nodes.
    const first = this.pipeline(node);
    const assign = tokenOf(c, 'AssignOp');
    const single = first.elements.length === 1 && first.elements[0]!.kind === 'ExpressionElement' ? first.elements[0].expression : undefined;
    if (assign !== undefined) {
      const operator = assign.image as A.Assignment['operator'];
      const assignable = (e: A.Expression | undefined): e is A.AssignableExpression => e !== undefined && (e.kind === 'Variable' || e.kind === 'Member' || e.kind === 'Index');
      let target: A.Assignment['target'] | undefined;
      let typeConstraint: string | undefined;
      let attributes: A.AttributeNode[] | undefined;
      if (assignable(single)) target = single;
      else if (single?.kind === 'Cast' && single.operand.kind === 'Variable') {
        if (single.type === 'ordered') throw this.error('The ordered attribute can be specified only on a hash literal node', single.span);
        target = single.operand;
        typeConstraint = single.type;
        if (single.attributes) attributes = single.attributes;
      } else if (single?.kind === 'ArrayLiteral' && operator === '=' && single.elements.every(assignable)) target = single;
      if (target === undefined) {
        throw this.error('The assignment expression is not valid: the left side must be a variable, a property or an array element', first.span);
      }
      const value = this.valueStatement(this.statement(must(nodeOf(c, 'statement'))));
      const assignment: A.Assignment = { kind: 'Assignment', span: this.span(first.span, value.span), target, operator, value };
      if (typeConstraint !== undefined) assignment.typeConstraint = typeConstraint;
      if (attributes) assignment.attributes = attributes;
      return assignment;
    }
    if (single !== undefined && c.ChainOp === undefined && this.increments.delete(single as A.UnaryExpression)) {
      // `$i++` as a statement: PowerShell outputs nothing, exactly like `$i += 1`.
      const increment = single as A.UnaryExpression;
      const one: A.NumberLiteral = { kind: 'Number', span: increment.span, value: 1, raw: '1' };
      const target = increment.operand as A.Assignment['target'];
      const statement: A.Assignment = { kind: 'Assignment', span: increment.span, target, operator: increment.operator === '++' ? '+=' : '-=', value: this.pipelineOf(one) };
      this.incrementStatements.set(statement, increment);
      return statement;
    }
    let result: A.Pipeline | A.PipelineChain = first;
    tokensOf(c, 'ChainOp').forEach((op, i) => {
      const right = this.pipeline(must(nodesOf(c, 'pipeline')[i]));
      result = { kind: 'PipelineChain', span: this.span(result.span, right.span), left: result, operator: op.image as '&&' | '||', right };
    });
    return result;
  }

  private pipelineOf(expression: A.Expression): A.Pipeline {
    return { kind: 'Pipeline', span: expression.span, elements: [this.expressionElement(expression)] };
  }

  private expressionElement(expression: A.Expression): A.ExpressionElement {
    return { kind: 'ExpressionElement', span: expression.span, expression };
  }

  pipeline(node: CstNode): A.Pipeline {
    const c = node.children;
    const elements: A.PipelineElement[] = [];
    // The expression rule is inlined in the pipeline rule.
    if (c.unary !== undefined) elements.push(this.redirected(this.expressionElement(this.expression(node)), nodesOf(c, 'redirection'), elements));
    for (const command of nodesOf(c, 'command')) elements.push(this.redirected(this.command(command), nodesOf(command.children, 'redirection'), elements));
    return { kind: 'Pipeline', span: this.span(elements[0]!.span, elements[elements.length - 1]!.span), elements };
  }

  command(node: CstNode): A.CommandCall {
    const c = node.children;
    const name = tokenOf(c, 'CommandName');
    const args = joinAdjacent(
      nodesOf(c, 'commandElement').map((e) => this.commandElement(e)),
      (from, to) => this.span(from, to),
    );
    const invoker = tokenOf(c, 'Amp') ?? tokenOf(c, 'DotSource');
    const start = invoker ?? must(name);
    const valueNode = nodeOf(c, 'commandValue');
    const invoked = valueNode ? this.commandValue(valueNode) : null;
    const end = args[args.length - 1]?.span ?? invoked?.span ?? name ?? start;
    const dotSource = invoker?.tokenType.name === 'DotSource';
    return { kind: 'Command', span: this.span(start, end), name: invoked ?? must(name).image, invoked: invoker !== undefined, dotSource, args };
  }

  /**
   * Adds an element's redirections to it: `> file` and `>> file` put an Out-File after it (as
   * PowerShell defines them); the other streams' redirections stay on the element. `pushed` is
   * the pipeline so far, where the Out-File goes.
   */
  private redirected<E extends A.PipelineElement>(element: E, nodes: CstNode[], pushed: A.PipelineElement[]): E | A.CommandCall {
    if (nodes.length === 0) return element;
    const redirections: A.Redirection[] = [];
    let outFile: A.CommandCall | null = null;
    for (const node of nodes) {
      const { operator, target } = this.redirection(node);
      const span = this.span(operator, target?.span ?? operator);
      const stream = /^[2-6*]/.test(operator.image) ? (operator.image[0] as A.Redirection['stream']) : null;
      const append = operator.image.includes('>>');
      if (target === null && stream === null) throw this.error(`The redirection '${operator.image}' needs a file name after it`, span);
      if (stream === null || stream === '*') {
        if (target === null) {
          if (stream === '*') redirections.push({ kind: 'Redirection', span, stream, append, target });
          continue;
        }
        const args: A.CommandArgument[] = [{ kind: 'PositionalArgument', span: target.span, value: target }];
        if (append) args.push({ kind: 'ParameterArgument', span, name: 'Append', value: null });
        outFile = { kind: 'Command', span, name: 'Out-File', invoked: false, dotSource: false, args };
        if (stream === null) continue;
      }
      redirections.push({ kind: 'Redirection', span, stream, append, target });
    }
    if (redirections.length > 0) element.redirections = redirections;
    if (!outFile) return element;
    pushed.push(element);
    return outFile;
  }

  redirection(node: CstNode): { operator: IToken; target: A.Expression | null } {
    const valueNode = nodeOf(node.children, 'commandValue');
    return { operator: must(tokenOf(node.children, 'Redirection')), target: valueNode ? this.commandValue(valueNode) : null };
  }

  commandElement(node: CstNode): A.CommandArgument {
    const c = node.children;
    const parameter = tokenOf(c, 'Parameter');
    if (parameter) return { kind: 'ParameterArgument', span: this.span(parameter), name: parameter.image.slice(1), value: null };
    const argument = nodeOf(c, 'commandArgument');
    const withColon = tokenOf(c, 'ParameterColon');
    if (withColon) {
      const value = this.commandArgument(must(argument));
      return { kind: 'ParameterArgument', span: this.span(withColon, value.span), name: withColon.image.slice(1, -1), value };
    }
    const splat = tokenOf(c, 'Splat');
    if (splat) return { kind: 'SplatArgument', span: this.span(splat), variable: splat.image.slice(1) };
    const value = this.commandArgument(must(argument));
    return { kind: 'PositionalArgument', span: value.span, value };
  }

  commandArgument(node: CstNode): A.Expression {
    const values = nodesOf(node.children, 'commandValue').map((v) => this.commandValue(v));
    return values.length === 1 ? values[0]! : { kind: 'ArrayLiteral', span: this.span(values[0]!.span, values[values.length - 1]!.span), elements: values };
  }

  commandValue(node: CstNode): A.Expression {
    const c = node.children;
    const word = tokenOf(c, 'Bareword');
    if (word) return { kind: 'String', span: this.span(word), value: word.image, quote: 'bare' };
    return this.postfixExpression(must(nodeOf(c, 'postfixExpression')));
  }

  // ------------------------------------------------------------ expressions

  /** Applies PowerShell's binary precedence to the flat `operand (op operand)*` list. */
  expression(node: CstNode): A.Expression {
    const c = node.children;
    const condition = this.binaryExpression(c);
    const whenTrue = nodeOf(c, 'whenTrue');
    if (whenTrue === undefined) return condition;
    const whenFalse = this.expression(must(nodeOf(c, 'whenFalse')));
    return { kind: 'Ternary', span: this.span(condition.span, whenFalse.span), condition, whenTrue: this.expression(whenTrue), whenFalse };
  }

  /** Applies PowerShell's binary precedence to the flat `operand (op operand)*` list. */
  private binaryExpression(c: Children): A.Expression {
    const operandNodes = nodesOf(c, 'unary');
    if (operandNodes.length === 1) return this.unary(operandNodes[0]!);
    const binary = tokensOf(c, 'BinaryOp');
    const commas = tokensOf(c, 'Comma');
    // Tokens of two labels come as two lists: back into source order (rare: most have no comma).
    const operators = commas.length === 0 ? binary : [...binary, ...commas].sort((a, b) => a.startOffset - b.startOffset);
    const values: A.Expression[] = [this.unary(operandNodes[0]!)];
    const pending: IToken[] = [];
    let arrays: Set<A.Expression> | undefined; // arrays built by `,` here, which later commas extend
    const reduce = (): void => {
      const op = pending.pop()!;
      const right = values.pop()!;
      const left = values.pop()!;
      const span = this.span(left.span, right.span);
      if (op.tokenType !== Comma) {
        values.push({ kind: 'Binary', span, operator: op.image.toLowerCase(), left, right });
      } else if (arrays?.has(left)) {
        const array = left as A.ArrayLiteral;
        array.elements.push(right);
        array.span = span;
        values.push(array);
      } else {
        const array: A.ArrayLiteral = { kind: 'ArrayLiteral', span, elements: [left, right] };
        (arrays ??= new Set()).add(array);
        values.push(array);
      }
    };
    for (let i = 0; i < operators.length; i++) {
      const op = operators[i]!;
      const level = precedence(op);
      while (pending.length > 0 && precedence(pending[pending.length - 1]!) >= level) reduce();
      pending.push(op);
      values.push(this.unary(operandNodes[i + 1]!));
    }
    while (pending.length > 0) reduce();
    return values[0]!;
  }

  unary(node: CstNode): A.Expression {
    const c = node.children;
    const op = tokenOf(c, 'PrefixOp') ?? tokenOf(c, 'Comma') ?? tokenOf(c, 'ComparisonOp');
    if (op) {
      const operand = this.unary(must(nodeOf(c, 'unary')));
      // `-2147483648` is one Int32 literal, as PowerShell's tokenizer reads a signed number.
      if (op.image === '-' && operand.kind === 'Number' && /^[\d.]/.test(operand.raw) && op.startOffset + 1 === operand.span.startOffset) {
        const raw = `-${operand.raw}`;
        return { kind: 'Number', span: this.span(op, operand.span), value: this.numberValue(raw, operand.span), raw };
      }
      return { kind: 'Unary', span: this.span(op, operand.span), operator: op.image.toLowerCase() as A.UnaryExpression['operator'], operand };
    }
    const typed = nodeOf(c, 'typeExpression');
    // The postfixExpression rule is inlined in the unary rule.
    return typed ? this.typeExpression(typed) : this.postfixExpression(node);
  }

  typeExpression(node: CstNode): A.Expression {
    const c = node.children;
    const literal = must(nodeOf(c, 'attribute'));
    const type = this.typeLiteral(literal);
    const literalSpan = this.between(literal, 'LBracket', 'RBracket');
    const operandNode = nodeOf(c, 'castOperand');
    let result: A.Expression;
    if (tokenOf(literal.children, 'CallParen') !== undefined) {
      // `[ValidateSet(…)]` before a (typed) variable: the cast, or an untyped `[object]` one, carries it.
      const attribute = this.attribute(literal);
      if (!operandNode) throw this.error(`Unexpected attribute '${attribute.name}': an attribute must be followed by a variable or a parameter`, literalSpan);
      const operand = this.unary(operandNode);
      const cast: A.CastExpression = operand.kind === 'Cast' ? operand : { kind: 'Cast', span: operand.span, type: 'object', operand };
      return { ...cast, span: this.span(literalSpan, operand.span), attributes: [attribute, ...(cast.attributes ?? [])] };
    }
    if (operandNode) {
      const operand = this.unary(operandNode);
      result = { kind: 'Cast', span: this.span(literalSpan, operand.span), type, operand };
    } else result = { kind: 'TypeLiteral', span: literalSpan, type };
    return this.applyPostfix(result, nodesOf(c, 'postfixOperator'));
  }

  postfixExpression(node: CstNode): A.Expression {
    const c = node.children;
    return this.applyPostfix(this.primary(c), nodesOf(c, 'postfixOperator'));
  }

  private applyPostfix(start: A.Expression, operators: CstNode[]): A.Expression {
    return operators.reduce((object, op) => this.postfixOperator(op, object), start);
  }

  postfixOperator(node: CstNode, object: A.Expression): A.Expression {
    const c = node.children;
    const memberNode = nodeOf(c, 'memberName');
    if (memberNode) {
      const member = this.memberName(memberNode);
      const isStatic = tokenOf(c, 'ColonColon') !== undefined;
      const nullConditional = tokenOf(c, 'QuestionDot') !== undefined ? { nullConditional: true as const } : {};
      const close = tokenOf(c, 'RParen');
      const blockArgument = nodeOf(c, 'blockArgument');
      if (blockArgument) {
        if (typeof member !== 'string') throw this.error('A method name must be a plain name', member.span);
        const block = this.scriptBlock(blockArgument);
        return { kind: 'MethodCall', span: this.span(object.span, block.span), object, method: member, args: [block], isStatic, ...nullConditional };
      }
      if (close === undefined) {
        const end = typeof member === 'string' ? must(tokenOf(memberNode.children, 'Identifier') ?? tokenOf(memberNode.children, 'StringToken')) : member.span;
        return { kind: 'Member', span: this.span(object.span, end), object, member, isStatic, ...nullConditional };
      }
      const span = this.span(object.span, close);
      if (typeof member !== 'string') throw this.error('A method name must be a plain name', member.span);
      return { kind: 'MethodCall', span, object, method: member, args: nodesOf(c, 'expression').map((e) => this.expression(e)), isStatic, ...nullConditional };
    }
    const index = nodeOf(c, 'expression');
    if (index) {
      const nullConditional = tokenOf(c, 'QuestionBracket') !== undefined ? { nullConditional: true as const } : {};
      return { kind: 'Index', span: this.span(object.span, must(tokenOf(c, 'RBracket'))), object, index: this.expression(index), ...nullConditional };
    }
    const span = this.span(object.span, must(tokenOf(c, 'PlusPlus') ?? tokenOf(c, 'MinusMinus')));
    // `$i++`: kept as a marker until pipelineStatement sees it is a whole statement.
    const increment: A.UnaryExpression = { kind: 'Unary', span, operator: tokenOf(c, 'PlusPlus') ? '++' : '--', operand: object };
    if (object.kind !== 'Variable' && object.kind !== 'Member' && object.kind !== 'Index') {
      throw this.error('The ++ and -- operators need a variable, a property or an array element', span);
    }
    this.increments.add(increment);
    return increment;
  }

  memberName(node: CstNode): string | A.Expression {
    const c = node.children;
    const name = tokenOf(c, 'Identifier');
    if (name) return name.image;
    const str = tokenOf(c, 'StringToken');
    if (str) {
      const value = this.string(str);
      return value.kind === 'String' ? value.value : value;
    }
    const variable = tokenOf(c, 'Variable');
    return variable ? this.variable(variable) : this.subexpression(must(nodeOf(c, 'subexpression')));
  }

  /** The value a postfixExpression starts with. */
  private number(t: IToken): A.NumberLiteral {
    const span = this.span(t);
    return { kind: 'Number', span, value: this.numberValue(t.image, span), raw: t.image };
  }

  private numberValue(raw: string, span: A.SourceSpan): A.NumberLiteral['value'] {
    const value = scanNumber(raw);
    if (value === undefined) throw this.error(`The numeric constant ${raw} is not valid: its value does not fit its type`, span);
    return value;
  }

  private primary(c: Children): A.Expression {
    const name = which(c, primaryAlternatives);
    const child = c[name]![0];
    switch (name) {
      case 'Number': {
        const t = child as IToken;
        return this.number(t);
      }
      case 'StringToken':
        return this.string(child as IToken);
      case 'Variable':
        return this.variable(child as IToken);
      case 'subexpression':
        return this.subexpression(child as CstNode);
      case 'arraySubexpression':
        return this.arraySubexpression(child as CstNode);
      case 'hashLiteral':
        return this.hashLiteral(child as CstNode);
      case 'scriptBlock':
        return this.scriptBlock(child as CstNode);
      default:
        return this.parenExpression(child as CstNode);
    }
  }

  subexpression(node: CstNode): A.Subexpression {
    return { kind: 'Subexpression', span: this.between(node, 'DollarParen', 'RParen'), statements: this.statementList(must(nodeOf(node.children, 'statementList'))) };
  }

  arraySubexpression(node: CstNode): A.ArraySubexpression {
    return { kind: 'ArraySubexpression', span: this.between(node, 'AtParen', 'RParen'), statements: this.statementList(must(nodeOf(node.children, 'statementList'))) };
  }

  parenExpression(node: CstNode): A.ParenExpression {
    return { kind: 'Paren', span: this.between(node, 'LParen', 'RParen'), pipeline: this.valueStatement(this.statement(must(nodeOf(node.children, 'statement')))) };
  }

  /** A statement whose value is used (`($i++)`, `$c = $i++`): `$i++` there yields the value before the increment. */
  private valueStatement(statement: A.Statement): A.Statement {
    const increment = this.incrementStatements.get(statement);
    if (increment === undefined) return statement;
    increment.operator = increment.operator === '++' ? 'post++' : 'post--';
    return this.pipelineOf(increment);
  }

  hashLiteral(node: CstNode): A.HashtableLiteral {
    return { kind: 'Hashtable', span: this.between(node, 'AtCurly', 'RCurly'), entries: nodesOf(node.children, 'hashEntry').map((e) => this.hashEntry(e)) };
  }

  hashEntry(node: CstNode): A.HashtableLiteral['entries'][number] {
    const c = node.children;
    const name = tokenOf(c, 'Identifier');
    const number = tokenOf(c, 'Number');
    const str = tokenOf(c, 'StringToken');
    const variable = tokenOf(c, 'Variable');
    const key: A.Expression = name
      ? { kind: 'String', span: this.span(name), value: name.image, quote: 'bare' }
      : number
        ? this.number(number)
        : str
          ? this.string(str)
          : variable
            ? this.variable(variable)
            : this.parenExpression(must(nodeOf(c, 'parenExpression')));
    const value = this.statement(must(nodeOf(c, 'statement')));
    return { key, value, span: this.span(key.span, value.span) };
  }

  scriptBlock(node: CstNode): A.ScriptBlockExpression {
    const c = node.children;
    const params = nodeOf(c, 'paramBlock');
    const open = must(tokenOf(c, 'LCurly'));
    const close = must(tokenOf(c, 'RCurly'));
    const { body, blocks } = this.scriptBody(must(nodeOf(c, 'scriptBody')));
    const block: A.ScriptBlockExpression = {
      kind: 'ScriptBlock',
      span: this.span(open, close),
      params: params ? this.paramBlock(params) : null,
      body,
      text: this.source.slice(open.endOffset! + 1, close.startOffset),
    };
    if (blocks) block.blocks = blocks;
    return block;
  }

  // ------------------------------------------------------------ variables and strings

  variable(token: IToken): A.VariableExpression {
    return this.variableNamed(token.image, this.span(token));
  }

  private variableNamed(image: string, span: A.SourceSpan): A.VariableExpression {
    let name = image.slice(1);
    if (name.startsWith('{')) name = name.slice(1, -1);
    let scope: A.VariableExpression['scope'] = null;
    const colon = name.indexOf(':');
    if (colon > 0) {
      const prefix = name.slice(0, colon).toLowerCase();
      if (scopes.has(prefix)) {
        scope = prefix as A.VariableExpression['scope'];
        name = name.slice(colon + 1);
      }
    }
    return { kind: 'Variable', span, name, scope };
  }

  string(token: IToken): A.StringLiteral | A.ExpandableString {
    const span = this.span(token);
    const image = token.image;
    switch (token.tokenType.name) {
      case 'SingleString':
        return { kind: 'String', span, value: image.slice(1, -1).replaceAll("''", "'"), quote: 'single' };
      case 'HereSingle':
        return { kind: 'String', span, value: hereStringBody(image).text, quote: 'here-single' };
      case 'HereDouble': {
        const body = hereStringBody(image);
        return this.expandable(body.text, token.startOffset + body.offset, true, span);
      }
      default:
        return this.expandable(image.slice(1, -1), token.startOffset + 1, false, span);
    }
  }

  /** Splits `"a $x `n $(…)"` (its text between the quotes, at `start` in the script) into parts. */
  private expandable(body: string, start: number, here: boolean, span: A.SourceSpan): A.StringLiteral | A.ExpandableString {
    const parts: (string | A.Expression)[] = [];
    let text = '';
    let i = 0;
    const flush = (): void => {
      if (text !== '') parts.push(text);
      text = '';
    };
    while (i < body.length) {
      const c = body[i]!;
      if (c === '`') {
        const next = body[i + 1] ?? '';
        // `u{2195}: a Unicode code point (about_Special_Characters).
        const unicode = next === 'u' ? /^\{([0-9a-fA-F]{1,6})\}/.exec(body.slice(i + 2)) : null;
        if (unicode) {
          text += String.fromCodePoint(parseInt(unicode[1]!, 16));
          i += 2 + unicode[0].length;
          continue;
        }
        text += escapes[next] ?? next;
        i += 2;
      } else if (c === '"' && !here && body[i + 1] === '"') {
        text += '"';
        i += 2;
      } else if (c === '$' && body[i + 1] === '(') {
        const end = scanParens(body, i + 1);
        flush();
        parts.push({ kind: 'Subexpression', span: this.spanAt(start + i, start + end), statements: this.parseEmbedded(start + i + 2, start + end - 1, this.lines.position(start + i + 2)) });
        i = end;
      } else if (c === '$' && (embeddedVariable.lastIndex = i) >= 0 && embeddedVariable.test(body)) {
        const end = embeddedVariable.lastIndex;
        flush();
        parts.push(this.variableNamed(body.slice(i, end), this.spanAt(start + i, start + end)));
        i = end;
      } else {
        text += c;
        i++;
      }
    }
    flush();
    if (parts.every((p) => typeof p === 'string')) {
      return { kind: 'String', span, value: parts.join(''), quote: here ? 'here-double' : 'double' };
    }
    return { kind: 'ExpandableString', span, parts, here };
  }
}

/** The text of `@'⏎…⏎'@` between the header line and the terminator line, and where it starts. */
function hereStringBody(image: string): { text: string; offset: number } {
  const header = /^@["'][ \t]*(?:\r\n|\n|\r)/.exec(image)![0].length;
  const inner = image.slice(header, -2);
  return { text: inner.replace(/(?:\r\n|\n|\r)$/, ''), offset: header };
}
