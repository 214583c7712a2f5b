// The mcshell grammar (Chevrotain CstParser): statements, pipeline chains (`&&` `||`), pipelines,
// commands, and expressions (binary operator precedence is applied by the builder, build.ts).
import type { CstNode, ILookaheadStrategy, IOrAlt, IParserErrorMessageProvider, IProduction, IToken, Rule, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';
import * as T from './lexer.js';

/** Parser errors carry their details as JSON in the message; `describeError` turns them into prose. */
export interface ErrorDetail {
  expected: TokenType[];
}

function encode(expected: TokenType[]): string {
  return JSON.stringify({ expected: expected.map((t) => t.name) });
}

const tokenByName = new Map(T.allTokens.map((t) => [t.name, t]));

export function decodeDetail(message: string): ErrorDetail {
  const names = (JSON.parse(message) as { expected: string[] }).expected;
  return { expected: names.map((n) => tokenByName.get(n)!).filter((t) => t !== undefined) };
}

const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => encode([expected]),
  buildNotAllInputParsedMessage: () => encode([T.Separator]),
  buildNoViableAltMessage: ({ expectedPathsPerAlt }) => encode(expectedPathsPerAlt.flatMap((paths) => paths.map((p) => p[0]!))),
  buildEarlyExitMessage: ({ expectedIterationPaths }) => encode(expectedIterationPaths.map((p) => p[0]!)),
};

type Alternation = ILookaheadStrategy['buildLookaheadForAlternation'];
type Optional = ILookaheadStrategy['buildLookaheadForOptional'];

/** The token types a production can start with, and whether it can match nothing. */
interface First {
  types: TokenType[];
  nullable: boolean;
}

/** What a decision function sees: the parser, for its next token. */
type Deciding = { LA(howMuch: number): IToken };

/**
 * The grammar is LL(1): every decision looks at one token. Chevrotain works out each decision's
 * token sets by walking every path through the grammar afresh; here the first-token sets of rules
 * are worked out once and shared (memoized), which costs a fraction of that. Each decision's
 * function is built when the parser first reaches it (a short command needs few), and is the
 * table lookup Chevrotain's own LL(1) function is: the first alternative that can start with the
 * token wins. A decision with an alternative that can match nothing keeps Chevrotain's analysis,
 * which also looks past it.
 */
export class FirstTokenLookahead extends chevrotain.LLkLookaheadStrategy {
  private readonly ruleFirsts = new Map<string, First>();

  override buildLookaheadForAlternation(options: Parameters<Alternation>[0]) {
    let decide: ReturnType<Alternation> | undefined;
    const build = (): ReturnType<Alternation> => {
      const alternation = findProduction(options.rule, chevrotain.Alternation, options.prodOccurrence);
      const firsts = alternation.definition.map((alternative) => this.sequenceFirst(definitionOf(alternative)));
      if (firsts.some((f) => f.nullable)) return super.buildLookaheadForAlternation(options);
      if (options.hasPredicates) {
        // The alternatives that can start with each token, in order; the first whose GATE allows
        // it wins (Chevrotain's own function for gated alternations maps every GATE and walks every
        // alternative on each call, and `unary`, run for every operand, has one).
        const candidates: number[][] = [];
        firsts.forEach((first, alternative) => {
          for (const idx of new Set(tokenIndexes(first.types))) (candidates[idx] ??= []).push(alternative);
        });
        return function (this: Deciding, orAlts?: IOrAlt<unknown>[]) {
          const possible = candidates[this.LA(1).tokenTypeIdx];
          if (possible === undefined) return undefined;
          for (const alternative of possible) {
            const gate = (orAlts![alternative] as { GATE?: () => boolean }).GATE;
            if (gate === undefined || gate.call(this) !== false) return alternative;
          }
          return undefined;
        };
      }
      const choice: number[] = [];
      firsts.forEach((first, alternative) => {
        for (const idx of tokenIndexes(first.types)) choice[idx] ??= alternative;
      });
      return function (this: Deciding) {
        return choice[this.LA(1).tokenTypeIdx];
      };
    };
    return function (this: unknown, orAlts?: IOrAlt<unknown>[]) {
      return (decide ??= build()).call(this, orAlts);
    };
  }

  override buildLookaheadForOptional(options: Parameters<Optional>[0]) {
    let decide: ReturnType<Optional> | undefined;
    const build = (): ReturnType<Optional> => {
      const production = findProduction(options.rule, chevrotain[options.prodType], options.prodOccurrence);
      const first = this.sequenceFirst(production.definition);
      if (first.nullable) return super.buildLookaheadForOptional(options);
      const starts: boolean[] = [];
      for (const idx of tokenIndexes(first.types)) starts[idx] = true;
      return function (this: Deciding) {
        return starts[this.LA(1).tokenTypeIdx] === true;
      };
    };
    return function (this: unknown) {
      return (decide ??= build()).call(this);
    };
  }

  private sequenceFirst(sequence: readonly IProduction[]): First {
    const types: TokenType[] = [];
    for (const production of sequence) {
      const first = this.first(production);
      types.push(...first.types);
      if (!first.nullable) return { types, nullable: false };
    }
    return { types, nullable: true };
  }

  private first(production: IProduction): First {
    if (production instanceof chevrotain.Terminal) return { types: [production.terminalType], nullable: false };
    if (production instanceof chevrotain.NonTerminal) {
      const rule = production.referencedRule;
      let first = this.ruleFirsts.get(rule.name);
      if (first === undefined) {
        this.ruleFirsts.set(rule.name, { types: [], nullable: false }); // the grammar has no left recursion
        first = this.sequenceFirst(rule.definition);
        this.ruleFirsts.set(rule.name, first);
      }
      return first;
    }
    if (production instanceof chevrotain.Alternation) {
      const firsts = production.definition.map((alternative) => this.sequenceFirst(definitionOf(alternative)));
      return { types: firsts.flatMap((f) => f.types), nullable: firsts.some((f) => f.nullable) };
    }
    const inner = this.sequenceFirst(definitionOf(production));
    const optional = production instanceof chevrotain.Option || production instanceof chevrotain.Repetition || production instanceof chevrotain.RepetitionWithSeparator;
    return { types: inner.types, nullable: optional || inner.nullable };
  }
}

/** The productions inside a production (other than a terminal or a rule reference). */
function definitionOf(production: IProduction): IProduction[] {
  return (production as unknown as { definition: IProduction[] }).definition;
}

/** The token type indexes a set of token types matches (a category matches its members too). */
function tokenIndexes(types: readonly TokenType[]): number[] {
  return types.flatMap((type) => [type.tokenTypeIdx!, ...(type.categoryMatches ?? [])]);
}

/** The production of a kind with the given occurrence index in a rule (nested ones included, rules referenced not). */
function findProduction<P extends { idx: number; definition: IProduction[] }>(rule: Rule, kind: abstract new (...args: never[]) => P, occurrence: number): P {
  const search = (productions: readonly IProduction[]): P | undefined => {
    for (const production of productions) {
      if (production instanceof kind && production.idx === occurrence) return production;
      if (production instanceof chevrotain.NonTerminal || production instanceof chevrotain.Terminal) continue;
      const found = search(definitionOf(production));
      if (found) return found;
    }
    return undefined;
  };
  const found = search(rule.definition);
  if (!found) throw new Error(`internal error: no ${kind.name} ${occurrence} in rule ${rule.name}`);
  return found;
}

export class McshellParser extends chevrotain.CstParser {
  /**
   * Each OR's alternatives, made on its first run and reused: written inline, every run of a rule
   * would allocate them again (an array, an object and a closure per alternative), and on a long
   * script that garbage makes the collector run often.
   */
  private readonly alternatives: Record<string, IOrAlt<unknown>[]> = {};

  constructor(skipValidations: boolean) {
    super(T.allTokens, {
      recoveryEnabled: false,
      nodeLocationTracking: 'none',
      maxLookahead: 1,
      lookaheadStrategy: new FirstTokenLookahead({ maxLookahead: 1 }),
      skipValidations,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /** Whether the next tokens are `[Attr()]… param(`: a param block rather than a statement. */
  private paramBlockAhead(): boolean {
    let depth = 0;
    for (let i = 1; ; i++) {
      const type = this.LA(i).tokenType;
      if (depth === 0 && type === T.Param) return true;
      if (type === T.LBracket) depth++;
      else if (type === T.RBracket) depth--;
      else if (depth === 0 || type === chevrotain.EOF) return false;
    }
  }

  script = this.RULE('script', () => {
    this.MANY(() => this.CONSUME(T.Separator));
    this.OPTION({ GATE: () => this.paramBlockAhead(), DEF: () => this.SUBRULE(this.paramBlock) });
    this.SUBRULE(this.scriptBody);
  });

  /** Whether named blocks (`begin { … }`) follow, after any separators. */
  private namedBlockAhead(): boolean {
    for (let i = 1; ; i++) {
      const type = this.LA(i).tokenType;
      if (type === T.NamedBlock) return true;
      if (type !== T.Newline && type !== T.Semi) return false;
    }
  }

  /** A script's or script block's body: named blocks, or statements (the end block). */
  scriptBody = this.RULE('scriptBody', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: (this.alternatives.scriptBody ??= [
        {
          GATE: () => this.namedBlockAhead(),
          ALT: () => {
            this.MANY(() => this.CONSUME(T.Separator));
            this.AT_LEAST_ONE(() => {
              this.SUBRULE(this.namedBlock);
              this.MANY2(() => this.CONSUME2(T.Separator));
            });
          },
        },
        { ALT: () => this.SUBRULE(this.statementList) },
      ]),
    });
  });

  namedBlock = this.RULE('namedBlock', () => {
    this.CONSUME(T.NamedBlock);
    this.SUBRULE(this.block);
  });

  /** The statements of `$( … )` inside a double-quoted string (parsed on its own). */
  embeddedStatements = this.RULE('embeddedStatements', () => {
    this.SUBRULE(this.statementList);
  });

  /** A later slice of a long script (index.ts parses scripts in slices): statements or named blocks. */
  scriptSlice = this.RULE('scriptSlice', () => {
    this.SUBRULE(this.scriptBody);
  });

  statementList = this.RULE('statementList', () => {
    this.MANY(() => this.CONSUME(T.Separator));
    this.OPTION(() => {
      this.SUBRULE(this.statement);
      this.MANY2(() => {
        this.CONSUME2(T.Separator);
        this.OPTION2(() => this.SUBRULE2(this.statement));
      });
    });
  });

  block = this.RULE('block', () => {
    this.CONSUME(T.LCurly);
    this.SUBRULE(this.statementList);
    this.CONSUME(T.RCurly);
  });

  statement = this.RULE('statement', () => {
    this.OR((this.alternatives.statement ??= [
      { ALT: () => this.SUBRULE(this.ifStatement) },
      { ALT: () => this.SUBRULE(this.foreachStatement) },
      { ALT: () => this.SUBRULE(this.whileStatement) },
      { ALT: () => this.SUBRULE(this.forStatement) },
      { ALT: () => this.SUBRULE(this.doStatement) },
      { ALT: () => this.SUBRULE(this.switchStatement) },
      { ALT: () => this.SUBRULE(this.labeledStatement) },
      { ALT: () => this.SUBRULE(this.tryStatement) },
      { ALT: () => this.SUBRULE(this.trapStatement) },
      { ALT: () => this.SUBRULE(this.functionDefinition) },
      { ALT: () => this.SUBRULE(this.loopControl) },
      { ALT: () => this.SUBRULE(this.flowStatement) },
      { ALT: () => this.SUBRULE(this.exitStatement) },
      // Most statements: inlined (not a subrule) to spare a rule invocation and a CST node each.
      { ALT: () => this.pipelineStatementBody() },
    ]));
  });

  /** `break`, `continue`, optionally naming a loop's label: `break outer`. */
  loopControl = this.RULE('loopControl', () => {
    this.OR((this.alternatives.loopControl ??= [{ ALT: () => this.CONSUME(T.Break) }, { ALT: () => this.CONSUME(T.Continue) }]));
    this.OPTION(() => this.CONSUME(T.Identifier));
  });

  /** `:outer foreach (…) { … }` */
  labeledStatement = this.RULE('labeledStatement', () => {
    this.CONSUME(T.Label);
    this.MANY(() => this.CONSUME(T.Newline));
    this.OR((this.alternatives.labeledStatement ??= [
      { ALT: () => this.SUBRULE(this.foreachStatement) },
      { ALT: () => this.SUBRULE(this.whileStatement) },
      { ALT: () => this.SUBRULE(this.forStatement) },
      { ALT: () => this.SUBRULE(this.doStatement) },
      { ALT: () => this.SUBRULE(this.switchStatement) },
    ]));
  });

  /** `for (init; condition; iterator) { … }`, each part optional. */
  forStatement = this.RULE('forStatement', () => {
    this.CONSUME(T.For);
    this.CONSUME(T.LParen);
    this.MANY(() => this.CONSUME(T.Newline));
    this.OPTION(() => this.SUBRULE(this.pipelineStatement, { LABEL: 'initializer' }));
    this.CONSUME(T.Separator);
    this.MANY2(() => this.CONSUME2(T.Newline));
    this.OPTION2(() => this.SUBRULE2(this.pipelineStatement, { LABEL: 'test' }));
    this.CONSUME2(T.Separator);
    this.MANY3(() => this.CONSUME3(T.Newline));
    this.OPTION3(() => this.SUBRULE3(this.pipelineStatement, { LABEL: 'iterator' }));
    this.MANY4(() => this.CONSUME4(T.Newline));
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  /** `do { … } while (…)` and `do { … } until (…)` */
  doStatement = this.RULE('doStatement', () => {
    this.CONSUME(T.Do);
    this.SUBRULE(this.block);
    this.OR((this.alternatives.doStatement ??= [{ ALT: () => this.CONSUME(T.While) }, { ALT: () => this.CONSUME(T.Until) }]));
    this.SUBRULE(this.condition);
  });

  /** `switch -Regex ($x) { 'a' { … } { $_ -gt 1 } { … } default { … } }`; `switch -File path { … }`. */
  switchStatement = this.RULE('switchStatement', () => {
    this.CONSUME(T.Switch);
    this.MANY(() => this.CONSUME(T.Parameter));
    this.OR((this.alternatives.switchSubject ??= [
      { ALT: () => this.SUBRULE(this.condition) },
      { ALT: () => this.CONSUME(T.Variable) },
      { ALT: () => this.CONSUME(T.StringToken) },
      { ALT: () => this.CONSUME2(T.Bareword) },
    ]));
    this.CONSUME(T.LCurly);
    this.MANY2(() => this.CONSUME(T.Separator));
    this.MANY3(() => {
      this.SUBRULE(this.switchClause);
      this.MANY4(() => this.CONSUME2(T.Separator));
    });
    this.CONSUME(T.RCurly);
  });

  /** A clause's condition is a word (`default`, `abc`), a value, or a script block; then its body. */
  switchClause = this.RULE('switchClause', () => {
    this.OR((this.alternatives.switchClause ??= [
      { ALT: () => this.CONSUME(T.CommandName) },
      { ALT: () => this.CONSUME(T.Bareword) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.SUBRULE(this.unary) },
    ]));
    this.SUBRULE(this.block);
  });

  /** `return …` and `throw …` */
  flowStatement = this.RULE('flowStatement', () => {
    this.OR((this.alternatives.flowStatement ??= [{ ALT: () => this.CONSUME(T.Return) }, { ALT: () => this.CONSUME(T.Throw) }]));
    this.OPTION(() => this.SUBRULE(this.pipelineStatement));
  });

  exitStatement = this.RULE('exitStatement', () => {
    this.CONSUME(T.Exit);
    this.OPTION(() => this.SUBRULE(this.expression));
  });

  ifStatement = this.RULE('ifStatement', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.condition);
    this.SUBRULE(this.block);
    this.MANY(() => {
      this.CONSUME(T.ElseIf);
      this.SUBRULE2(this.condition);
      this.SUBRULE2(this.block);
    });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.SUBRULE3(this.block, { LABEL: 'elseBody' });
    });
  });

  condition = this.RULE('condition', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.pipelineStatement);
    this.MANY(() => this.CONSUME(T.Newline));
    this.CONSUME(T.RParen);
  });

  foreachStatement = this.RULE('foreachStatement', () => {
    this.CONSUME(T.Foreach);
    this.CONSUME(T.LParen);
    this.CONSUME(T.Variable);
    this.CONSUME(T.In);
    this.SUBRULE(this.pipelineStatement);
    this.MANY(() => this.CONSUME(T.Newline));
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  whileStatement = this.RULE('whileStatement', () => {
    this.CONSUME(T.While);
    this.SUBRULE(this.condition);
    this.SUBRULE(this.block);
  });

  tryStatement = this.RULE('tryStatement', () => {
    this.CONSUME(T.Try);
    this.SUBRULE(this.block);
    this.MANY(() => this.SUBRULE(this.catchClause));
    this.OPTION(() => {
      this.CONSUME(T.Finally);
      this.SUBRULE2(this.block, { LABEL: 'finallyBody' });
    });
  });

  /** `trap [Type] { … }` */
  trapStatement = this.RULE('trapStatement', () => {
    this.CONSUME(T.Trap);
    this.OPTION(() => this.SUBRULE(this.typeLiteral));
    this.SUBRULE(this.block);
  });

  catchClause = this.RULE('catchClause', () => {
    this.CONSUME(T.Catch);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeLiteral) });
    this.SUBRULE(this.block);
  });

  functionDefinition = this.RULE('functionDefinition', () => {
    this.OR((this.alternatives.functionKeyword ??= [{ ALT: () => this.CONSUME(T.Function) }, { ALT: () => this.CONSUME(T.Filter) }]));
    this.CONSUME(T.FunctionName);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.SUBRULE(this.parameterList);
      this.CONSUME(T.RParen);
    });
    this.SUBRULE(this.scriptBlock);
  });

  // ------------------------------------------------------------ param blocks

  paramBlock = this.RULE('paramBlock', () => {
    this.MANY(() => this.SUBRULE(this.attribute));
    this.CONSUME(T.Param);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.parameterList);
    this.CONSUME(T.RParen);
  });

  parameterList = this.RULE('parameterList', () => {
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.parameter) });
  });

  parameter = this.RULE('parameter', () => {
    this.MANY(() => this.SUBRULE(this.attribute));
    this.CONSUME(T.Variable);
    this.OPTION(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expression, { ARGS: [true] });
    });
  });

  /** `[int]` (a type constraint) or `[Name(args)]` (an attribute). */
  attribute = this.RULE('attribute', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.typeName);
    this.OPTION(() => {
      this.CONSUME(T.CallParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attributeArgument) });
      this.CONSUME(T.RParen);
    });
    this.CONSUME(T.RBracket);
  });

  attributeArgument = this.RULE('attributeArgument', () => {
    this.OR((this.alternatives.attributeArgument ??= [
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.CONSUME(T.Assign);
            this.SUBRULE(this.expression, { ARGS: [true] });
          });
        },
      },
      { ALT: () => this.SUBRULE2(this.expression, { ARGS: [true] }) },
    ]));
  });

  typeLiteral = this.RULE('typeLiteral', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.typeName);
    this.CONSUME(T.RBracket);
  });

  /** `int`, `System.IO.File`, `string[]`, `List[string]` */
  typeName = this.RULE('typeName', () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeName) });
      this.CONSUME(T.RBracket);
    });
  });

  // ------------------------------------------------------------ pipelines and commands

  /** A pipeline, then either `= value` (an assignment) or `&& …` / `|| …` (a chain). */
  pipelineStatement = this.RULE('pipelineStatement', () => this.pipelineStatementBody());

  /**
   * The pipelineStatement rule's productions, also part of the statement rule. The first pipeline
   * is inlined (not a subrule) to spare a rule invocation and a CST node per statement; the
   * pipelines of a chain are pipeline nodes.
   */
  private pipelineStatementBody(): void {
    this.pipelineBody();
    this.OPTION(() => {
      this.CONSUME(T.AssignOp);
      this.SUBRULE(this.statement);
    });
    this.MANY(() => {
      this.CONSUME(T.ChainOp);
      this.SUBRULE2(this.pipeline);
    });
  }

  pipeline = this.RULE('pipeline', () => this.pipelineBody());

  /**
   * The pipeline rule's productions, also part of the statement and pipelineStatement rules (their
   * own OR, OPTION and MANY are the first; the expression's are numbered after these).
   */
  private pipelineBody(): void {
    // An expression is inlined (not a subrule) to spare a rule invocation and a CST node each.
    this.OR2((this.alternatives.pipeline ??= [
      { ALT: () => this.SUBRULE(this.command) },
      {
        ALT: () => {
          this.expressionBody();
          this.MANY3(() => this.SUBRULE(this.redirection));
        },
      },
    ]));
    this.MANY2(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.command);
    });
  }

  command = this.RULE('command', () => {
    this.OR((this.alternatives.command ??= [
      { ALT: () => this.CONSUME(T.CommandName) },
      {
        ALT: () => {
          this.OR2((this.alternatives.invocation ??= [{ ALT: () => this.CONSUME(T.Amp) }, { ALT: () => this.CONSUME(T.DotSource) }]));
          this.OR3((this.alternatives.invoked ??= [{ ALT: () => this.CONSUME2(T.CommandName) }, { ALT: () => this.SUBRULE(this.commandValue) }]));
        },
      },
    ]));
    this.MANY(() => this.OR4((this.alternatives.commandPart ??= [{ ALT: () => this.SUBRULE(this.commandElement) }, { ALT: () => this.SUBRULE(this.redirection) }])));
  });

  /** `2>&1`, `> file`, `2>$null` (about_Redirection). */
  redirection = this.RULE('redirection', () => {
    const operator = this.CONSUME(T.Redirection);
    this.OPTION({ GATE: () => !operator.image.includes('&'), DEF: () => this.SUBRULE(this.commandValue) });
  });

  commandElement = this.RULE('commandElement', () => {
    this.OR((this.alternatives.commandElement ??= [
      { ALT: () => this.CONSUME(T.Parameter) },
      {
        ALT: () => {
          this.CONSUME(T.ParameterColon);
          this.SUBRULE(this.commandArgument);
        },
      },
      { ALT: () => this.CONSUME(T.Splat) },
      { ALT: () => this.SUBRULE2(this.commandArgument) },
    ]));
  });

  /** `value` or `a, b, c` */
  commandArgument = this.RULE('commandArgument', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.commandValue) });
  });

  commandValue = this.RULE('commandValue', () => {
    this.OR((this.alternatives.commandValue ??= [{ ALT: () => this.CONSUME(T.Bareword) }, { ALT: () => this.SUBRULE(this.postfixExpression) }]));
  });

  // ------------------------------------------------------------ expressions

  /**
   * Operands and binary operators as a flat list; the builder applies precedence (a precedence
   * cascade of rules would build ~8 CST nodes per operand). `noComma`: inside argument lists and
   * defaults, where `,` separates arguments instead of building an array.
   */
  expression = this.RULE('expression', (noComma?: boolean) => this.expressionBody(noComma));

  /**
   * The expression rule's productions, also part of the pipeline body (whose own OR and MANYs are
   * the second and third, after the statement's OR and the pipeline statement's OPTION and MANY).
   */
  private expressionBody(noComma?: boolean): void {
    this.SUBRULE(this.unary);
    this.MANY4({
      GATE: () => noComma !== true || this.LA(1).tokenType !== T.Comma,
      DEF: () => {
        this.OR3((this.alternatives.expression ??= [{ ALT: () => this.CONSUME(T.BinaryOp) }, { ALT: () => this.CONSUME(T.Comma) }]));
        this.SUBRULE2(this.unary);
      },
    });
    // `condition ? a : b`, below every binary operator; right-associative.
    this.OPTION2(() => {
      this.CONSUME(T.Question);
      this.SUBRULE3(this.expression, { LABEL: 'whenTrue', ARGS: [noComma] });
      this.CONSUME(T.Colon);
      this.SUBRULE4(this.expression, { LABEL: 'whenFalse', ARGS: [noComma] });
    });
  }

  unary = this.RULE('unary', () => {
    this.OR((this.alternatives.unary ??= [
      {
        ALT: () => {
          this.CONSUME(T.PrefixOp);
          this.SUBRULE(this.unary);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.unary);
        },
      },
      {
        // Unary `-split text` and `-join list`.
        GATE: () => /^-(?:split|join)$/i.test(this.LA(1).image),
        ALT: () => {
          this.CONSUME(T.ComparisonOp);
          this.SUBRULE3(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.typeExpression) },
      // Most operands: inlined (not a subrule) to spare a rule invocation and a CST node each.
      { ALT: () => this.postfixExpressionBody() },
    ]));
  });

  /** `[int]$x` (a cast), `[Math]::Round(1)`, `[int]` alone, or `[ValidateSet('a')][string]$x` (an attributed variable). */
  typeExpression = this.RULE('typeExpression', () => {
    this.SUBRULE(this.attribute);
    this.OPTION({
      GATE: () => this.LA(1).tokenType !== T.ColonColon && this.LA(1).tokenType !== T.Dot,
      DEF: () => this.SUBRULE(this.unary, { LABEL: 'castOperand' }),
    });
    this.MANY(() => this.SUBRULE(this.postfixOperator));
  });

  /** A primary value (a literal, variable, bracketed expression) with `.x`, `::x`, `[i]` after it. */
  postfixExpression = this.RULE('postfixExpression', () => this.postfixExpressionBody());

  /** The postfixExpression rule's productions, also part of the unary rule (whose own OR is the first). */
  private postfixExpressionBody(): void {
    this.OR2((this.alternatives.postfixExpression ??= [
      { ALT: () => this.CONSUME(T.NumberToken) },
      { ALT: () => this.CONSUME(T.StringToken) },
      { ALT: () => this.CONSUME(T.Variable) },
      { ALT: () => this.SUBRULE(this.subexpression) },
      { ALT: () => this.SUBRULE(this.arraySubexpression) },
      { ALT: () => this.SUBRULE(this.hashLiteral) },
      { ALT: () => this.SUBRULE(this.scriptBlock) },
      { ALT: () => this.SUBRULE(this.parenExpression) },
    ]));
    this.MANY(() => this.SUBRULE(this.postfixOperator));
  }

  postfixOperator = this.RULE('postfixOperator', () => {
    this.OR((this.alternatives.postfixOperator ??= [
      {
        ALT: () => {
          this.OR2((this.alternatives.memberAccess ??= [
            { ALT: () => this.CONSUME(T.Dot) },
            { ALT: () => this.CONSUME(T.ColonColon) },
            { ALT: () => this.CONSUME(T.QuestionDot) },
          ]));
          this.SUBRULE(this.memberName);
          this.OPTION(() => {
            this.CONSUME(T.CallParen);
            this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { ARGS: [true] }) });
            this.CONSUME(T.RParen);
          });
          // `.Where{ … }`, `.ForEach{ … }`: a script block touching the name is the one argument (about_Arrays).
          this.OPTION2({
            GATE: () => this.LA(1).tokenType === T.LCurly && this.LA(1).startOffset === this.LA(0).endOffset! + 1,
            DEF: () => this.SUBRULE(this.scriptBlock, { LABEL: 'blockArgument' }),
          });
        },
      },
      {
        ALT: () => {
          this.OR3((this.alternatives.indexOpen ??= [{ ALT: () => this.CONSUME(T.LBracket) }, { ALT: () => this.CONSUME(T.QuestionBracket) }]));
          this.SUBRULE2(this.expression);
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.CONSUME(T.PlusPlus) },
      { ALT: () => this.CONSUME(T.MinusMinus) },
    ]));
  });

  memberName = this.RULE('memberName', () => {
    this.OR((this.alternatives.memberName ??= [
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.StringToken) },
      { ALT: () => this.CONSUME(T.Variable) },
      { ALT: () => this.SUBRULE(this.subexpression) },
    ]));
  });

  subexpression = this.RULE('subexpression', () => {
    this.CONSUME(T.DollarParen);
    this.SUBRULE(this.statementList);
    this.CONSUME(T.RParen);
  });

  arraySubexpression = this.RULE('arraySubexpression', () => {
    this.CONSUME(T.AtParen);
    this.SUBRULE(this.statementList);
    this.CONSUME(T.RParen);
  });

  parenExpression = this.RULE('parenExpression', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.statement);
    this.MANY(() => this.CONSUME(T.Newline));
    this.CONSUME(T.RParen);
  });

  hashLiteral = this.RULE('hashLiteral', () => {
    this.CONSUME(T.AtCurly);
    this.MANY(() => this.CONSUME(T.Separator));
    this.OPTION(() => {
      this.SUBRULE(this.hashEntry);
      this.MANY2(() => {
        this.CONSUME2(T.Separator);
        this.OPTION2(() => this.SUBRULE2(this.hashEntry));
      });
    });
    this.CONSUME(T.RCurly);
  });

  hashEntry = this.RULE('hashEntry', () => {
    this.OR((this.alternatives.hashEntry ??= [
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.StringToken) },
      { ALT: () => this.CONSUME(T.NumberToken) },
      { ALT: () => this.CONSUME(T.Variable) },
      { ALT: () => this.SUBRULE(this.parenExpression) },
    ]));
    this.CONSUME(T.Assign);
    this.SUBRULE(this.statement);
  });

  scriptBlock = this.RULE('scriptBlock', () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.CONSUME(T.Separator));
    this.OPTION({ GATE: () => this.paramBlockAhead(), DEF: () => this.SUBRULE(this.paramBlock) });
    this.SUBRULE(this.scriptBody);
    this.CONSUME(T.RCurly);
  });
}

export type { CstNode };
