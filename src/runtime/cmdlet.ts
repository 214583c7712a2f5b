// The cmdlet declaration API. Every cmdlet is one file: `export default defineCmdlet({...})`
// holding the declaration (name, parameters, examples, output type, …) beside its code.
// Get-Help, Get-Command, completion, the docs and the example tests all read the declaration.
import type { ErrorInit, ErrorRecord, RuntimeError } from './errors.js';
import type { ScriptBlockExpression } from '../language/ast.js';
import type { ScriptBlock } from './scriptblock.js';
import type { ProgressRecord } from './session.js';
import type { Job, JobTable } from './jobs.js';
import type { Hashtable } from './values.js';

/** How a parameter's argument is converted before the cmdlet sees it. */
export type ParameterType =
  | 'string'
  | 'string[]'
  | 'int'
  | 'int[]'
  /** Any number (double). */
  | 'number'
  /** Bytes: a number or text such as `4MB`, `1.5GB`. */
  | 'size'
  | 'bool'
  | 'switch'
  | 'date'
  /** One of `values`, matched case-insensitively and returned in the declared spelling. */
  | 'enum'
  | 'enum[]'
  | 'scriptblock'
  | 'scriptblock[]'
  | 'hashtable'
  /** Anything, unchanged. */
  | 'object'
  /** Anything, as an array (a single value is wrapped). */
  | 'object[]';

/** A scope named as PowerShell's -Scope parameters take it (about_Scopes § Scope modifiers). */
export type VariableScope = 'global' | 'script' | 'local' | number;

/** -Scope's text (`Global`, `1` …) as a VariableScope, or null when it is neither a scope name nor a number. */
export function variableScope(text: string): VariableScope | null {
  const lower = text.toLowerCase();
  if (lower === 'global' || lower === 'script' || lower === 'local') return lower;
  return /^\d+$/.test(text) ? Number(text) : null;
}

export interface ParameterValidation {
  /** Allowed values (case-insensitive; canonicalised to the declared spelling). */
  set?: readonly string[];
  /** Inclusive numeric range. */
  range?: readonly [number, number];
  /** Regular expression the text must match (case-insensitive). */
  pattern?: string;
  /** Rejects null, empty strings and empty arrays. */
  notEmpty?: boolean;
}

export interface CompletionRequest {
  /** What the user has typed of the value so far. */
  prefix: string;
  /** Parameters already on the command line. */
  boundParameters: Readonly<Record<string, unknown>>;
  /** The shell's site directory (`--site`), for completers that list live names from the engine. */
  site: string | undefined;
}

export interface ParameterDeclaration {
  type: ParameterType;
  description: string;
  /** For `enum` / `enum[]`. */
  values?: readonly string[];
  /** 0-based position for positional arguments. */
  position?: number;
  mandatory?: boolean;
  /** A mandatory parameter that takes $null (PowerShell's [AllowNull()]); others refuse it. */
  allowNull?: boolean;
  /** A mandatory string parameter that takes '' (PowerShell's [AllowEmptyString()]); others refuse it. */
  allowEmptyString?: boolean;
  /** A mandatory array parameter that takes @() (PowerShell's [AllowEmptyCollection()]); others refuse it. */
  allowEmptyCollection?: boolean;
  /** Parameter sets this parameter belongs to; absent means every set. */
  sets?: readonly string[];
  /** Binding from pipeline input: the object itself (`value`), its property of the same name or alias (`property`), or both. */
  pipeline?: 'value' | 'property' | 'both';
  aliases?: readonly string[];
  /**
   * A switch that ConfigMgr's cmdlets take as [bool] under these names (its own or aliases):
   * written so, a boolean after the name is its value (`-EnableMulticast $false`); without one it
   * stays a plain switch.
   */
  booleanUnder?: readonly string[];
  validate?: ParameterValidation;
  /** Collects the positional arguments no other parameter takes (ValueFromRemainingArguments). */
  remaining?: boolean;
  /** Default shown in help; the runtime passes it when the parameter is not bound. */
  default?: unknown;
  /**
   * Completion values for the interactive shell: a completer (e.g. image names from the engine),
   * or `'path'` for a file-system path (files and directories, from the working directory).
   */
  complete?: 'path' | ((request: CompletionRequest) => readonly string[] | Promise<readonly string[]>);
}

export type ParameterDeclarations = Record<string, ParameterDeclaration>;

/**
 * The output type of commands whose output is text already formatted, for people or for another
 * program (JSON, CSV, table lines, help): piped output writes it as it is, not as JSON strings.
 */
export const FORMATTED_TEXT = {
  name: 'FormattedText',
  description: 'Text already formatted: written as it is, also when the output is piped (not as JSON strings).',
} as const;

/** A declared output type: a name (stamped on emitted objects) and the default text view. */
export interface OutputType {
  name: string;
  /** Properties shown by default, in order; others stay in the object (and in JSON). */
  view?: { properties: readonly string[]; layout?: 'table' | 'list'; widths?: Readonly<Record<string, number>> };
  description?: string;
  /** Further type names the cmdlet stamps on its objects itself that share the view (files and directories). */
  alsoFor?: readonly string[];
  /** Type names the cmdlet stamps on some of its objects itself, each with a view of its own (sessions of several DPs name their DP). */
  variants?: Readonly<Record<string, NonNullable<OutputType['view']>>>;
}

export interface CmdletExample {
  title: string;
  code: string;
  /** Expected pipeline output as JSON data (objects compared by their properties). */
  output?: readonly unknown[];
  /** Expected text rendering of the output: a regular expression it must match. */
  outputMatches?: RegExp;
  /** Expected error id (the example demonstrates a failure). */
  error?: string;
}

type ValueOfType<P extends ParameterDeclaration> = P['type'] extends 'switch' | 'bool'
  ? boolean
  : P['type'] extends 'string'
    ? string
    : P['type'] extends 'string[]'
      ? string[]
      : P['type'] extends 'int' | 'number' | 'size'
        ? number
        : P['type'] extends 'int[]'
          ? number[]
          : P['type'] extends 'date'
            ? Date
            : P['type'] extends 'enum'
              ? P['values'] extends readonly (infer V)[]
                ? V
                : string
              : P['type'] extends 'enum[]'
                ? P['values'] extends readonly (infer V)[]
                  ? V[]
                  : string[]
                : P['type'] extends 'scriptblock'
                  ? ScriptBlock
                  : P['type'] extends 'scriptblock[]'
                  ? ScriptBlock[]
                  : P['type'] extends 'hashtable'
                    ? Hashtable
                    : P['type'] extends 'object[]'
                      ? unknown[]
                      : unknown;

/** The values a cmdlet's code receives: switches are booleans; mandatory (or defaulted) values are present. */
export type BoundParameters<P extends ParameterDeclarations> = {
  [K in keyof P]: P[K]['type'] extends 'switch'
    ? boolean
    : P[K] extends { mandatory: true } | { default: {} }
      ? ValueOfType<P[K]>
      : ValueOfType<P[K]> | undefined;
};

export interface HostInfo {
  /** stdout is a terminal. */
  readonly isTerminal: boolean;
  readonly columns: number;
  readonly color: boolean;
  /** The chosen --output format. */
  readonly output: 'text' | 'json' | 'jsonl' | 'csv';
  /** Clears the terminal (Clear-Host); absent when the output is no terminal. */
  clearScreen?(): void;
}

/** What a command can see of the commands available (for Get-Command, Get-Help, completion). */
export interface CommandSummary {
  name: string;
  kind: 'Cmdlet' | 'Function';
  aliases: readonly string[];
  load(): Promise<CmdletDeclaration>;
  /** The synopsis and parameter names, without importing the cmdlet when the build's manifest has them. */
  brief(): Promise<CommandBrief>;
}

/** The parts of a declaration that listing commands shows; the build writes them to a manifest. */
export interface CommandBrief {
  synopsis: string;
  parameters: string[];
}

export function briefOf(decl: CmdletDeclaration): CommandBrief {
  return { synopsis: decl.synopsis, parameters: Object.keys(decl.parameters) };
}

export interface CmdletContext<S = unknown> {
  /** Per-invocation state from the declaration's `state()` (fields of a PowerShell cmdlet class). */
  readonly state: S;
  /** The cmdlet's name, as declared. */
  readonly command: string;
  /** Fires when the pipeline is stopped (Ctrl+C): pass it to anything that waits. */
  readonly signal: AbortSignal;
  /** Names of the parameters the caller bound (PowerShell's $PSBoundParameters keys). */
  readonly boundParameters: ReadonlySet<string>;
  /** The cmdlet receives pipeline input (it is not first in the pipeline). */
  readonly expectingInput: boolean;
  readonly host: HostInfo;
  /** The site directory from `--site`, if given. */
  readonly site: string | undefined;
  /** A non-terminating error: the pipeline goes on unless -ErrorAction Stop. */
  writeError(error: ErrorInit | ErrorRecord): void;
  /** A terminating error to `throw`: `throw ctx.error({ id: 'ImageNotFound', … })`. */
  error(error: ErrorInit): RuntimeError;
  writeWarning(message: string): void;
  writeVerbose(message: string): void;
  /** Write-Debug: shown when $DebugPreference (or the caller's -Debug) asks for it. */
  writeDebug(message: string): void;
  /** A script block of the caller's scope from parsed code (Invoke-Expression). */
  bindScriptBlock(node: ScriptBlockExpression): ScriptBlock;
  /** Removes the nearest visible variable of that name (or the one in the named scope); false when there is none. */
  removeVariable(name: string, scope?: 'global' | 'script' | 'local'): boolean;
  /** Text for the user, not the pipeline (Write-Host). */
  writeHost(text: string, options?: { noNewline?: boolean }): void;
  /** Write-Information: shown like Write-Host when `show`; redirected (`6>&1`) whether shown or not. */
  writeInformation(data: unknown, show: boolean): void;
  /** The command lines entered in this interactive session (Get-History); empty without one. */
  history(): readonly string[];
  /** Write-Progress: drawn by a host on a terminal, when $ProgressPreference allows. */
  writeProgress(progress: ProgressRecord): void;
  /** Reads a line from the user (Read-Host); null when there is no input to read. */
  readLine(prompt: string, options: { mask: boolean }): Promise<string | null>;
  /**
   * -WhatIf / -Confirm: true when the change should go ahead. A cmdlet with a -Force that skips
   * the question (as ConfigMgr's Remove-CM*) passes it as `force`.
   */
  shouldProcess(target: string, action: string, options?: { force?: boolean }): Promise<boolean>;
  /** Ends the pipeline's upstream work (Select-Object -First): the commands before this one stop; end blocks still run. */
  stopUpstream(): never;
  /**
   * Runs a script block; `input` becomes `$_`. With `dotSource` it runs in the caller's scope (Where-Object, ForEach-Object).
   * A block that is one simple statement has run already: its output comes as an array.
   */
  invoke(block: ScriptBlock, options?: { input?: unknown; args?: unknown[]; dotSource?: boolean }): unknown[] | AsyncIterable<unknown>;
  /**
   * Runs a script block as a background job of the session (Start-Job): returned at once, Running.
   * The block sees its arguments and `$using:` values, not the caller's variables.
   */
  startJob(block: ScriptBlock, options: { name?: string; args?: unknown[] }): Job;
  /** The session's background jobs. */
  readonly jobs: JobTable;
  /** The same, collecting the output. */
  invokeCollect(block: ScriptBlock, options?: { input?: unknown; args?: unknown[]; dotSource?: boolean }): Promise<unknown[]>;
  getVariable(name: string): unknown;
  setVariable(name: string, value: unknown, scope?: 'global' | 'script' | 'local'): void;
  /** The variables visible here, or in a scope: Global, Script, Local or a number (0 this scope, 1 its parent …). */
  listVariables(scope?: VariableScope): { name: string; value: unknown }[];
  /** Set-StrictMode's version where the command runs (0: off). */
  readonly strictMode: number;
  /** Whether that scope itself holds the variable (New-Variable's check). */
  hasVariable(name: string, scope: VariableScope): boolean;
  /** A path relative to the shell's location. */
  resolvePath(path: string): string;
  /** The shell's location (Get-Location). */
  readonly location: string;
  /** Moves the shell's location to an absolute path (Set-Location). */
  setLocation(path: string): void;
  /** Every command available here: cmdlets (lazy) and functions. */
  listCommands(): CommandSummary[];
  /** Set-StrictMode for the caller's scope: 1–3, or 0 for off. */
  setStrictMode(version: number): void;
  /** The view declared for an output type name, for formatting cmdlets. */
  views: ReadonlyMap<string, NonNullable<OutputType['view']>>;
}

/** Each block may return nothing, a promise, or an (async) iterable of output objects. */
export type CmdletBlockResult = AsyncIterable<unknown> | Iterable<unknown> | Promise<void> | void;

export interface CmdletDeclaration<P extends ParameterDeclarations = ParameterDeclarations, S = any> {
  /** `Verb-Noun` with an approved verb. */
  name: string;
  aliases?: readonly string[];
  synopsis: string;
  description?: string;
  parameters: P;
  defaultParameterSet?: string;
  outputType?: OutputType;
  /** Declared by state-changing cmdlets: enables -WhatIf and -Confirm; `high` asks for confirmation by default. */
  impact?: 'low' | 'medium' | 'high';
  examples: readonly CmdletExample[];
  /** Creates the per-invocation state the blocks share as `ctx.state` (counters, buffers). */
  state?(): S;
  // Method syntax (not properties) so a declaration with specific parameters is a CmdletDeclaration.
  begin?(params: BoundParameters<P>, ctx: CmdletContext<S>): CmdletBlockResult;
  /** Called once per pipeline input object (or once when there is no input). */
  process?(params: BoundParameters<P>, ctx: CmdletContext<S>): CmdletBlockResult;
  end?(params: BoundParameters<P>, ctx: CmdletContext<S>): CmdletBlockResult;
}

/** Identity function that gives `process(params)` precise types from the parameter declarations. */
export function defineCmdlet<const P extends ParameterDeclarations, S = undefined>(declaration: CmdletDeclaration<P, S>): CmdletDeclaration<P, S> {
  return declaration;
}
