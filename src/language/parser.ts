// The mcshell grammar (Chevrotain CstParser): statements, pipeline chains (`&&` `||`), pipelines,
// commands, and expressions (binary operator precedence is applied by the builder, build.ts).
import type { CstNode, ILookaheadStrategy, IOrAlt, IParserErrorMessageProvider, TokenType } from 'chevrotain';
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

/**
 * Chevrotain's LL(k) lookahead with each decision's function built when the parser first reaches
 * it: building them all up front is a third of the grammar's start-up, and a short command needs few.
 */
class LazyLookahead extends chevrotain.LLkLookaheadStrategy {
  override buildLookaheadForAlternation(options: Parameters<Alternation>[0]) {
    let decide: ReturnType<Alternation> | undefined;
    const build = () => super.buildLookaheadForAlternation(options);
    return function (this: unknown, orAlts?: IOrAlt<unknown>[]) {
      return (decide ??= build()).call(this, orAlts);
    };
  }

  override buildLookaheadForOptional(options: Parameters<Optional>[0]) {
    let decide: ReturnType<Optional> | undefined;
    const build = () => super.buildLookaheadForOptional(options);
    return function (this: unknown) {
      return (decide ??= build()).call(this);
    };
  }
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
      lookaheadStrategy: new LazyLookahead({ maxLookahead: 1 }),
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
    this.SUBRULE(this.statementList);
  });

  /** The statements of `$( … )` inside a double-quoted string (parsed on its own). */
  embeddedStatements = this.RULE('embeddedStatements', () => {
    this.SUBRULE(this.statementList);
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
      { ALT: () => this.SUBRULE(this.tryStatement) },
      { ALT: () => this.SUBRULE(this.functionDefinition) },
      { ALT: () => this.CONSUME(T.Break) },
      { ALT: () => this.CONSUME(T.Continue) },
      { ALT: () => this.SUBRULE(this.flowStatement) },
      { ALT: () => this.SUBRULE(this.exitStatement) },
      { ALT: () => this.SUBRULE(this.pipelineStatement) },
    ]));
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

  catchClause = this.RULE('catchClause', () => {
    this.CONSUME(T.Catch);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeLiteral) });
    this.SUBRULE(this.block);
  });

  functionDefinition = this.RULE('functionDefinition', () => {
    this.CONSUME(T.Function);
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
  pipelineStatement = this.RULE('pipelineStatement', () => {
    this.SUBRULE(this.pipeline);
    this.OPTION(() => {
      this.CONSUME(T.AssignOp);
      this.SUBRULE(this.statement);
    });
    this.MANY(() => {
      this.CONSUME(T.ChainOp);
      this.SUBRULE2(this.pipeline);
    });
  });

  pipeline = this.RULE('pipeline', () => {
    this.OR((this.alternatives.pipeline ??= [{ ALT: () => this.SUBRULE(this.command) }, { ALT: () => this.SUBRULE(this.expression) }]));
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.command);
    });
  });

  command = this.RULE('command', () => {
    this.OR((this.alternatives.command ??= [
      { ALT: () => this.CONSUME(T.CommandName) },
      {
        ALT: () => {
          this.CONSUME(T.Amp);
          this.SUBRULE(this.commandValue);
        },
      },
    ]));
    this.MANY(() => this.SUBRULE(this.commandElement));
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
  expression = this.RULE('expression', (noComma?: boolean) => {
    this.SUBRULE(this.unary);
    this.MANY({
      GATE: () => noComma !== true || this.LA(1).tokenType !== T.Comma,
      DEF: () => {
        this.OR((this.alternatives.expression ??= [{ ALT: () => this.CONSUME(T.BinaryOp) }, { ALT: () => this.CONSUME(T.Comma) }]));
        this.SUBRULE2(this.unary);
      },
    });
  });

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
      { ALT: () => this.SUBRULE(this.typeExpression) },
      { ALT: () => this.SUBRULE(this.postfixExpression) },
    ]));
  });

  /** `[int]$x` (a cast), `[Math]::Round(1)`, or `[int]` alone. */
  typeExpression = this.RULE('typeExpression', () => {
    this.SUBRULE(this.typeLiteral);
    this.OPTION({
      GATE: () => this.LA(1).tokenType !== T.ColonColon && this.LA(1).tokenType !== T.Dot,
      DEF: () => this.SUBRULE(this.unary, { LABEL: 'castOperand' }),
    });
    this.MANY(() => this.SUBRULE(this.postfixOperator));
  });

  /** A primary value (a literal, variable, bracketed expression) with `.x`, `::x`, `[i]` after it. */
  postfixExpression = this.RULE('postfixExpression', () => {
    this.OR((this.alternatives.postfixExpression ??= [
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
  });

  postfixOperator = this.RULE('postfixOperator', () => {
    this.OR((this.alternatives.postfixOperator ??= [
      {
        ALT: () => {
          this.OR2((this.alternatives.memberAccess ??= [{ ALT: () => this.CONSUME(T.Dot) }, { ALT: () => this.CONSUME(T.ColonColon) }]));
          this.SUBRULE(this.memberName);
          this.OPTION(() => {
            this.CONSUME(T.CallParen);
            this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { ARGS: [true] }) });
            this.CONSUME(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
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
    this.SUBRULE(this.statementList);
    this.CONSUME(T.RCurly);
  });
}

export type { CstNode };
