// The typed AST of the mcshell language: the contract between the parser (CST → AST visitor)
// and the runtime. Every node carries the source span it came from, so runtime errors can point
// at the text that caused them.

export interface SourceSpan {
  /** Script file path, or a label such as `<command line>` / `<stdin>` / `<prompt>`. */
  file: string;
  /** 0-based offsets into the source text, end exclusive. */
  startOffset: number;
  endOffset: number;
  /** 1-based line and column of the first and last character. */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

interface NodeBase {
  span: SourceSpan;
}

// ---------------------------------------------------------------- script and blocks

/**
 * `begin { } process { } end { } clean { }`. A body without them is its end block (`body`); with
 * them, `body` is empty. about_Functions_Advanced_Methods.
 */
export interface NamedBlocks {
  begin: Statement[] | null;
  process: Statement[] | null;
  end: Statement[] | null;
  clean: Statement[] | null;
}

export interface Script extends NodeBase {
  kind: 'Script';
  /** `param(...)` at the top of a script file (bound from command-line arguments). */
  params: ParamBlock | null;
  body: Statement[];
  /** Named blocks, when the script has them (present only then). */
  blocks?: NamedBlocks;
  /** Full source text (for error carets and script-block text). */
  source: string;
}

export interface ParamBlock extends NodeBase {
  kind: 'ParamBlock';
  params: ParameterDeclaration[];
  /** `[CmdletBinding(SupportsShouldProcess)]` and the like before `param(` (present only when there are some). */
  attributes?: AttributeNode[];
}

/** `[Parameter(Mandatory)][ValidateSet('a','b')][int]$Count = 3` */
export interface ParameterDeclaration extends NodeBase {
  kind: 'ParameterDeclaration';
  name: string;
  /** Lower-cased type name from a `[type]` constraint, e.g. `int`, `string`, `switch`, `string[]`. */
  type: string | null;
  defaultValue: Expression | null;
  attributes: AttributeNode[];
}

/** `[Name(positional, Named = value)]` — `[Parameter(Mandatory)]` has named `Mandatory` with value null. */
export interface AttributeNode extends NodeBase {
  kind: 'Attribute';
  name: string;
  positional: Expression[];
  named: { name: string; value: Expression | null }[];
}

export interface Block extends NodeBase {
  kind: 'Block';
  statements: Statement[];
}

// ---------------------------------------------------------------- statements

export type Statement =
  | PipelineChain
  | Pipeline
  | Assignment
  | IfStatement
  | ForeachStatement
  | WhileStatement
  | ForStatement
  | DoStatement
  | SwitchStatement
  | BreakStatement
  | ContinueStatement
  | ReturnStatement
  | ExitStatement
  | ThrowStatement
  | TryStatement
  | TrapStatement
  | FunctionDefinition;

/** `a && b || c` — left-associative. */
export interface PipelineChain extends NodeBase {
  kind: 'PipelineChain';
  left: Pipeline | PipelineChain;
  operator: '&&' | '||';
  right: Pipeline;
}

/**
 * `a | b | c`. The first element may be an expression (`1..10 | ...`, `$x`), later ones are
 * commands (or expressions, which PowerShell rejects: the parser reports that as a syntax error).
 */
export interface Pipeline extends NodeBase {
  kind: 'Pipeline';
  elements: PipelineElement[];
}

export type PipelineElement = CommandCall | ExpressionElement;

export interface ExpressionElement extends NodeBase {
  kind: 'ExpressionElement';
  expression: Expression;
  /** Redirections of its other streams (present only when there are some). */
  redirections?: Redirection[];
}

/**
 * `2>&1` (merge into the output), `2>$null` (discard), `2> file` / `2>> file`, for the error (2),
 * warning (3), verbose (4), debug (5), information (6) or all (`*`) streams. The output stream's
 * `> file` / `>> file` is built as `| Out-File file [-Append]`, which is what PowerShell says it is.
 */
export interface Redirection extends NodeBase {
  kind: 'Redirection';
  stream: '2' | '3' | '4' | '5' | '6' | '*';
  append: boolean;
  /** The file; null for a merge into the output. */
  target: Expression | null;
}

export type AssignableExpression = VariableExpression | MemberExpression | IndexExpression;

/** `$x = ...`, `$x += ...`, `$a.b = ...`, `$a[0] = ...`, `[int]$x = ...`, `$a, $b = ...` */
export interface Assignment extends NodeBase {
  kind: 'Assignment';
  /** An ArrayLiteral of assignable expressions for `$a, $b = 1, 2, 3` (the last takes the rest). */
  target: AssignableExpression | ArrayLiteral;
  operator: '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '??=';
  value: Statement;
  /** `[int]$x = '5'`: the variable keeps the type, later assignments convert (present only then). */
  typeConstraint?: string;
  /** `[ValidateSet('a','b')][string]$x = 'a'`: the variable's validation attributes, checked at every assignment (present only then). */
  attributes?: AttributeNode[];
}

export interface IfStatement extends NodeBase {
  kind: 'If';
  /** The `if` clause followed by each `elseif` clause, in order. */
  clauses: { condition: Pipeline | PipelineChain; body: Block }[];
  elseBody: Block | null;
}

/** Loops and switch may carry a label (`:outer`), lower-cased, that `break outer` names. */
interface Labeled {
  label: string | null;
}

export interface ForeachStatement extends NodeBase, Labeled {
  kind: 'Foreach';
  variable: string;
  iterable: Pipeline | PipelineChain;
  body: Block;
}

export interface WhileStatement extends NodeBase, Labeled {
  kind: 'While';
  condition: Pipeline | PipelineChain;
  body: Block;
}

/** `for (initializer; test; iterator) { }` — each part may be missing. */
export interface ForStatement extends NodeBase, Labeled {
  kind: 'For';
  initializer: Statement | null;
  test: Pipeline | PipelineChain | null;
  iterator: Statement | null;
  body: Block;
}

/** `do { } while (…)` (`until: false`) or `do { } until (…)`. */
export interface DoStatement extends NodeBase, Labeled {
  kind: 'Do';
  body: Block;
  condition: Pipeline | PipelineChain;
  until: boolean;
}

export interface SwitchClause {
  /** null for `default`; a bare word is a String with quote `bare`. */
  condition: Expression | null;
  body: Block;
  span: SourceSpan;
}

/** `switch -Regex -CaseSensitive ($x) { … }` or `switch -File path { … }`. */
export interface SwitchStatement extends NodeBase, Labeled {
  kind: 'Switch';
  /** The options given, lower-cased and unabbreviated: `regex`, `wildcard`, `exact`, `casesensitive`, `file`. */
  options: Set<'regex' | 'wildcard' | 'exact' | 'casesensitive' | 'file'>;
  /** The value switched on, or the file's path with the `file` option. */
  subject: Pipeline | PipelineChain;
  clauses: SwitchClause[];
}

export interface BreakStatement extends NodeBase {
  kind: 'Break';
  /** `break outer`: the label of the loop to leave (lower-cased). */
  label: string | null;
}

export interface ContinueStatement extends NodeBase {
  kind: 'Continue';
  label: string | null;
}

export interface ReturnStatement extends NodeBase {
  kind: 'Return';
  value: Pipeline | PipelineChain | null;
}

export interface ExitStatement extends NodeBase {
  kind: 'Exit';
  code: Expression | null;
}

export interface ThrowStatement extends NodeBase {
  kind: 'Throw';
  value: Pipeline | PipelineChain | null;
}

export interface TryStatement extends NodeBase {
  kind: 'Try';
  body: Block;
  /** `catch [TypeA], [TypeB] { }` — empty `types` catches everything. */
  catches: { types: string[]; body: Block; span: SourceSpan }[];
  finallyBody: Block | null;
}

/**
 * `trap [Type] { … }`: handles terminating errors of the statements of the list it is in (wherever
 * it stands in it). Ending with `continue` resumes after the failed statement silently; `break`
 * passes the error on; otherwise the error is written and the next statement runs (about_Trap).
 */
export interface TrapStatement extends NodeBase {
  kind: 'Trap';
  /** Empty: every error. */
  types: string[];
  body: Block;
}

/** `function Name { param(...) ... }` or `function Name($a, $b) { ... }` */
export interface FunctionDefinition extends NodeBase {
  kind: 'FunctionDefinition';
  name: string;
  params: ParamBlock | null;
  body: ScriptBlockExpression;
}

// ---------------------------------------------------------------- commands

export interface CommandCall extends NodeBase {
  kind: 'Command';
  /** The command name as written (`Get-Command`, `gcm`, `./x.mcs`), or an expression after `&`. */
  name: string | Expression;
  /** True for `& $cmd ...` / `& 'name' ...` (and `. …`). */
  invoked: boolean;
  /** `. ./common.mcs`, `. { … }`: runs in the caller's scope, so what it defines stays. */
  dotSource: boolean;
  /** Elements in source order; the binder decides which values belong to which parameter. */
  args: CommandArgument[];
  /** Redirections of its other streams (present only when there are some). */
  redirections?: Redirection[];
}

export type CommandArgument = ParameterArgument | PositionalArgument | SplatArgument;

/** `-Name`, `-Name:value` (value set), `-Switch:$false`. */
export interface ParameterArgument extends NodeBase {
  kind: 'ParameterArgument';
  /** Without the leading dash, as written (may be an abbreviation). */
  name: string;
  /** The value after a colon (`-Name:value`), else null: a following positional may bind to it. */
  value: Expression | null;
}

export interface PositionalArgument extends NodeBase {
  kind: 'PositionalArgument';
  value: Expression;
}

/** `@params` */
export interface SplatArgument extends NodeBase {
  kind: 'SplatArgument';
  variable: string;
}

// ---------------------------------------------------------------- expressions

export type Expression =
  | NumberLiteral
  | StringLiteral
  | ExpandableString
  | VariableExpression
  | ArrayLiteral
  | ArraySubexpression
  | HashtableLiteral
  | ScriptBlockExpression
  | Subexpression
  | ParenExpression
  | MemberExpression
  | MethodCall
  | IndexExpression
  | UnaryExpression
  | BinaryExpression
  | CastExpression
  | TernaryExpression
  | TypeLiteral;

export interface NumberLiteral extends NodeBase {
  kind: 'Number';
  /** Value after applying any size suffix (`4MB` → 4194304). */
  value: number;
  /** Source text, e.g. `4MB`, `0x1F`, `1.5`. */
  raw: string;
}

export interface StringLiteral extends NodeBase {
  kind: 'String';
  value: string;
  /**
   * `single` 'x', `double` "x" with nothing to expand, `here-single` @'…'@, `here-double` @"…"@
   * with nothing to expand, `bare` an unquoted command argument such as `Get-Help Where-Object`.
   */
  quote: 'single' | 'double' | 'here-single' | 'here-double' | 'bare';
}

/** `"a $x b $($y.Name)"` — literal text parts and embedded expressions in order. */
export interface ExpandableString extends NodeBase {
  kind: 'ExpandableString';
  parts: (string | Expression)[];
  here: boolean;
}

export interface VariableExpression extends NodeBase {
  kind: 'Variable';
  /** Name without `$` and without scope prefix, e.g. `_`, `true`, `args`, `Error`. */
  name: string;
  scope: 'global' | 'script' | 'local' | 'private' | null;
}

/** `a, b, c` (the comma operator). */
export interface ArrayLiteral extends NodeBase {
  kind: 'ArrayLiteral';
  elements: Expression[];
}

/** `@( statements )` — always yields an array. */
export interface ArraySubexpression extends NodeBase {
  kind: 'ArraySubexpression';
  statements: Statement[];
}

/** `@{ Key = value; 'other key' = value }` — insertion ordered. */
export interface HashtableLiteral extends NodeBase {
  kind: 'Hashtable';
  entries: { key: Expression; value: Statement; span: SourceSpan }[];
}

/** `{ param($a) ... }` */
export interface ScriptBlockExpression extends NodeBase {
  kind: 'ScriptBlock';
  params: ParamBlock | null;
  body: Statement[];
  /** Named blocks, when it has them (present only then); a filter's body is its process block. */
  blocks?: NamedBlocks;
  /** The text between the braces, for display (`{ $_ -gt 3 }` → ` $_ -gt 3 `). */
  text: string;
}

/** `$( statements )` */
export interface Subexpression extends NodeBase {
  kind: 'Subexpression';
  statements: Statement[];
}

/** `( pipeline )` */
export interface ParenExpression extends NodeBase {
  kind: 'Paren';
  pipeline: Statement;
}

/** `$x.Name`, `$x.'odd name'`, `$x.$prop`; `[Type]::Member` has `isStatic`. */
export interface MemberExpression extends NodeBase {
  kind: 'Member';
  object: Expression;
  member: string | Expression;
  isStatic: boolean;
  /** `${x}?.Name`: $null when the object is $null (present only when true). */
  nullConditional?: true;
}

/** `$s.ToUpper()`, `[Math]::Round($x, 2)` */
export interface MethodCall extends NodeBase {
  kind: 'MethodCall';
  object: Expression;
  method: string;
  args: Expression[];
  isStatic: boolean;
  /** `${x}?.Method()`: $null, arguments unevaluated, when the object is $null (present only when true). */
  nullConditional?: true;
}

/** `$a[0]`, `$h['key']`, `$a[1..3]` */
export interface IndexExpression extends NodeBase {
  kind: 'Index';
  object: Expression;
  index: Expression;
  /** `${x}?[0]` (present only when true). */
  nullConditional?: true;
}

/** `condition ? whenTrue : whenFalse` (PowerShell 7). */
export interface TernaryExpression extends NodeBase {
  kind: 'Ternary';
  condition: Expression;
  whenTrue: Expression;
  whenFalse: Expression;
}

export interface UnaryExpression extends NodeBase {
  kind: 'Unary';
  /** `-not`, `!`, `-bnot`, `-` (negation), `+`, `,` (unary comma: one-element array), `++`/`--` prefix, `post++`/`post--` suffix. */
  operator: '-not' | '!' | '-bnot' | '-split' | '-join' | '-' | '+' | ',' | '++' | '--' | 'post++' | 'post--';
  operand: Expression;
}

/**
 * Binary operators, lower-cased: arithmetic `+ - * / %`, range `..`, format `-f`,
 * comparison `-eq -ne -gt -ge -lt -le -like -notlike -match -notmatch -contains -notcontains -in -notin`
 * (and their case-sensitive `-c…` / explicit `-i…` forms), `-replace`, `-split`, `-join`,
 * logical `-and -or -xor`, type `-is -isnot -as`.
 */
export interface BinaryExpression extends NodeBase {
  kind: 'Binary';
  operator: string;
  left: Expression;
  right: Expression;
}

/** `[int]$x`, `[string[]]$list` — type name lower-cased. */
export interface CastExpression extends NodeBase {
  kind: 'Cast';
  type: string;
  operand: Expression;
  /** `[ValidateRange(0,10)][int]$n`: validation attributes before the type (present only then; they matter in an assignment). */
  attributes?: AttributeNode[];
}

/** `[Math]` on its own (for `[Math]::Round(...)`). */
export interface TypeLiteral extends NodeBase {
  kind: 'TypeLiteral';
  type: string;
}

export type Node =
  | Script
  | ParamBlock
  | ParameterDeclaration
  | AttributeNode
  | Block
  | Statement
  | PipelineElement
  | CommandArgument
  | Expression;
