// Parameter binding in PowerShell's order: named arguments, positional arguments, then per
// pipeline object by value and by property name. Arguments are converted to the declared type
// and validated; every failure is an error record naming the parameter (and the allowed values).
import type { SourceSpan } from '../language/ast.js';
import type { CmdletDeclaration, ParameterDeclaration, ParameterDeclarations } from './cmdlet.js';
import { canonicalise, convertArgument, isExactType, validateArgument } from './convert.js';
import { ErrorRecord, RuntimeError, type ErrorInit } from './errors.js';
import { didYouMean } from './suggest.js';
import { ConversionError, getMember, hasProperty } from './values.js';

/** An evaluated command-line argument. */
export type ArgumentValue =
  | { kind: 'named'; name: string; value: unknown; hasValue: boolean; span: SourceSpan | null }
  | { kind: 'positional'; value: unknown; span: SourceSpan | null };

export const ERROR_ACTIONS = ['Stop', 'Continue', 'SilentlyContinue', 'Ignore'] as const;
export type ErrorAction = (typeof ERROR_ACTIONS)[number];

/** Parameters every cmdlet accepts. */
export const COMMON_PARAMETERS: ParameterDeclarations = {
  Verbose: { type: 'switch', aliases: ['vb'], description: 'Writes verbose messages about what the command does.' },
  ErrorAction: {
    type: 'enum',
    values: ERROR_ACTIONS,
    aliases: ['ea'],
    description:
      'What to do on a non-terminating error: Stop (terminate), Continue (report and go on), SilentlyContinue (go on quietly, keeping it in $Error), Ignore (go on, keeping nothing).',
  },
  ErrorVariable: { type: 'string', aliases: ['ev'], description: 'Also stores the errors the command writes in the named variable; +name appends to it.' },
  OutVariable: { type: 'string', aliases: ['ov'], description: 'Also stores the output in the named variable (+name adds to it).' },
  PipelineVariable: { type: 'string', aliases: ['pv'], description: 'Stores each output object in the named variable as it goes down the pipeline, for later commands in it.' },
};

/** Parameters of cmdlets that declare an impact (state-changing cmdlets). */
export const SHOULD_PROCESS_PARAMETERS: ParameterDeclarations = {
  WhatIf: { type: 'switch', aliases: ['wi'], description: 'Shows what would happen without changing anything.' },
  Confirm: { type: 'switch', aliases: ['cf'], description: 'Asks for confirmation before changing anything; -Confirm:$false never asks.' },
};

const ALL_SETS = '__AllParameterSets';

interface ParameterInfo {
  name: string;
  decl: ParameterDeclaration;
  common: boolean;
}

export interface CommonValues {
  verbose: boolean;
  errorAction: ErrorAction | undefined;
  /** `-ErrorVariable name` or `+name` (append). */
  errorVariable: string | undefined;
  outVariable: string | undefined;
  pipelineVariable: string | undefined;
  whatIf: boolean;
  /** undefined when not given, so impact-based confirmation can apply. */
  confirm: boolean | undefined;
}

export interface Binding {
  values: Record<string, unknown>;
  bound: Set<string>;
  common: CommonValues;
  /** Parameter sets still possible. */
  sets: string[];
  /** Positional arguments a simple function receives as $args. */
  extra: unknown[];
}

export interface BindOptions {
  /** Binding in a .mcs file: abbreviated parameter names warn. */
  scriptFile: boolean;
  warn(message: string, span: SourceSpan | null): void;
  /** The command is not first in its pipeline: mandatory pipeline parameters wait for input. */
  expectingInput: boolean;
}

type Bindable = Pick<CmdletDeclaration, 'name' | 'parameters' | 'defaultParameterSet' | 'impact'> & {
  /** Simple functions put unbound positional arguments in $args instead of failing. */
  acceptsExtraArguments?: boolean;
};

interface ParameterTable {
  all: ParameterInfo[];
  mandatory: ParameterInfo[];
  /** The parameters with a position, in position order. */
  positional: ParameterInfo[];
  /** The parameter sets (a binding starts with all of them possible). */
  sets: string[];
}

const tables = new WeakMap<object, ParameterTable>();
const unbound = new WeakMap<object, Record<string, unknown>>();

/** What each parameter is when not bound: switches false, others their declared default. */
function unboundValues(target: Bindable): Record<string, unknown> {
  let values = unbound.get(target);
  if (!values) {
    values = Object.fromEntries(Object.entries(target.parameters).map(([name, decl]) => [name, decl.type === 'switch' ? false : decl.default]));
    unbound.set(target, values);
  }
  return values;
}

function parameterTable(target: Bindable): ParameterTable {
  let table = tables.get(target);
  if (!table) {
    const all = Object.entries(target.parameters).map(([name, decl]) => ({ name, decl, common: false }));
    for (const [name, decl] of Object.entries(COMMON_PARAMETERS)) all.push({ name, decl, common: true });
    if (target.impact) for (const [name, decl] of Object.entries(SHOULD_PROCESS_PARAMETERS)) all.push({ name, decl, common: true });
    table = {
      all,
      mandatory: all.filter((p) => p.decl.mandatory),
      positional: all.filter((p) => !p.common && p.decl.position !== undefined).sort((a, b) => a.decl.position! - b.decl.position!),
      sets: allSets(target),
    };
    tables.set(target, table);
  }
  return table;
}

/** The parameters pipeline objects can bind to after a command-line binding, worked out once per binding. */
interface PipelineCandidates {
  all: ParameterInfo[];
  byValue: ParameterInfo[];
  byProperty: ParameterInfo[];
}

const pipelineCandidates = new WeakMap<Binding, PipelineCandidates>();

/**
 * A binding whose pipeline objects all bind the same way: to its one pipeline parameter, of type
 * object, without validation (InputObject, mostly). Each object's values are then `values` with
 * the object as `name`, and nothing needs checking per object.
 */
interface DirectInput {
  name: string;
  values: Record<string, unknown>;
}

const directInputs = new WeakMap<Binding, DirectInput | null>();

function allSets(target: Bindable): string[] {
  const sets = new Set<string>();
  for (const decl of Object.values(target.parameters)) for (const s of decl.sets ?? []) sets.add(s);
  return sets.size ? [...sets] : [ALL_SETS];
}

const inSets = (decl: ParameterDeclaration, sets: readonly string[]) => !decl.sets || decl.sets.some((s) => sets.includes(s));

/** `-EnableMulticast $true`: the switch is written under a name ConfigMgr gives a [bool], and a boolean follows. */
function takesBoolean(decl: ParameterDeclaration, written: string, value: unknown): boolean {
  if (!decl.booleanUnder?.some((name) => name.toLowerCase() === written.toLowerCase())) return false;
  // What PowerShell converts to a [bool] parameter: booleans and numbers (1 or 0), not text.
  return typeof value === 'boolean' || value === 0 || value === 1;
}

const typeLabel = (decl: ParameterDeclaration) => (decl.type === 'enum' || decl.type === 'enum[]' ? `one of ${(decl.values ?? []).join(', ')}` : decl.type);

export class Binder {
  private readonly table: ParameterInfo[];
  private readonly mandatory: ParameterInfo[];
  private readonly positional: ParameterInfo[];
  private readonly sets: string[];

  constructor(private readonly target: Bindable) {
    const table = parameterTable(target);
    this.table = table.all;
    this.mandatory = table.mandatory;
    this.positional = table.positional;
    this.sets = table.sets;
  }

  private fail(init: Omit<ErrorInit, 'category'> & { category?: ErrorInit['category'] }): RuntimeError {
    return new RuntimeError(new ErrorRecord({ category: 'InvalidArgument', ...init, command: this.target.name }));
  }

  /** Finds a parameter by name, alias or unique prefix. */
  private resolveName(written: string, span: SourceSpan | null, options: BindOptions): ParameterInfo {
    const lower = written.toLowerCase();
    const exact = this.table.find((p) => p.name.toLowerCase() === lower || p.decl.aliases?.some((a) => a.toLowerCase() === lower));
    if (exact) return exact;
    const matches = this.table.filter((p) => p.name.toLowerCase().startsWith(lower) || p.decl.aliases?.some((a) => a.toLowerCase().startsWith(lower)));
    if (matches.length === 1) {
      const match = matches[0]!;
      if (options.scriptFile) {
        options.warn(`-${written} is an abbreviation of -${match.name}: write the full name in scripts, a later version of ${this.target.name} may make it ambiguous.`, span);
      }
      return match;
    }
    if (matches.length > 1) {
      throw this.fail({
        id: 'AmbiguousParameter',
        message: `Parameter name -${written} is ambiguous: it could be ${matches.map((m) => `-${m.name}`).join(', ')}.`,
        target: written,
        span,
      });
    }
    const names = this.table.flatMap((p) => [p.name, ...(p.decl.aliases ?? [])]);
    throw this.fail({
      id: 'NamedParameterNotFound',
      message: `${this.target.name} has no parameter -${written}.${didYouMean(written, names, '-')}`,
      target: written,
      span,
      hint: `Run Get-Help ${this.target.name} to see its parameters.`,
    });
  }

  /** resolveName, except that with a ValueFromRemainingArguments parameter an unknown name is no parameter (null). */
  private resolveNamed(arg: Extract<ArgumentValue, { kind: 'named' }>, options: BindOptions): ParameterInfo | null {
    try {
      return this.resolveName(arg.name, arg.span, options);
    } catch (e) {
      if (e instanceof RuntimeError && e.record.id === 'NamedParameterNotFound' && this.table.some((p) => p.decl.remaining)) return null;
      throw e;
    }
  }

  /** Converts and validates one argument; `source` names where it came from for the message. */
  private convert(info: ParameterInfo, value: unknown, span: SourceSpan | null): unknown {
    const decl = info.decl;
    if (decl.mandatory && !decl.allowNull && (value === null || value === undefined)) throw this.refuseEmpty(info, 'NullNotAllowed', 'it is null', span);
    let converted: unknown;
    try {
      converted = convertArgument(value, info.decl);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      throw this.fail({
        id: 'ParameterArgumentTransformation',
        message: `Cannot bind -${info.name}: ${e.message}`,
        target: value,
        span,
        hint: `-${info.name} takes ${typeLabel(info.decl)}.`,
      });
    }
    if (decl.mandatory) {
      const texts = decl.type === 'string' ? [converted] : decl.type === 'string[]' ? (converted as unknown[]) : [];
      if (!decl.allowEmptyString && texts.includes('')) throw this.refuseEmpty(info, 'EmptyStringNotAllowed', 'it is an empty string', span);
      if (!decl.allowEmptyCollection && Array.isArray(converted) && converted.length === 0) throw this.refuseEmpty(info, 'EmptyArrayNotAllowed', 'it is an empty array', span);
    }
    const problem = validateArgument(converted, info.decl);
    if (problem) {
      throw this.fail({ id: 'ParameterArgumentValidationError', category: 'InvalidData', message: `Cannot validate argument on parameter '${info.name}'. ${problem}`, target: value, span });
    }
    return canonicalise(converted, info.decl);
  }

  /** PowerShell's refusal of $null, '' and @() for a mandatory parameter (unless it allows them). */
  private refuseEmpty(info: ParameterInfo, id: string, because: string, span: SourceSpan | null): RuntimeError {
    return this.fail({ id: `ParameterArgumentValidationError${id}`, category: 'InvalidData', message: `Cannot bind argument to parameter '${info.name}' because ${because}.`, target: info.name, span });
  }

  private assign(binding: Binding, info: ParameterInfo, value: unknown, span: SourceSpan | null): void {
    if (binding.bound.has(info.name)) {
      throw this.fail({ id: 'ParameterAlreadyBound', message: `Parameter -${info.name} is specified more than once.`, target: info.name, span });
    }
    const converted = this.convert(info, value, span);
    if (info.common) {
      const c = binding.common;
      if (info.name === 'Verbose') c.verbose = converted as boolean;
      else if (info.name === 'ErrorAction') c.errorAction = converted as ErrorAction;
      else if (info.name === 'ErrorVariable') c.errorVariable = converted as string;
      else if (info.name === 'OutVariable') c.outVariable = converted as string;
      else if (info.name === 'PipelineVariable') c.pipelineVariable = converted as string;
      else if (info.name === 'WhatIf') c.whatIf = converted as boolean;
      else if (info.name === 'Confirm') c.confirm = converted as boolean;
    } else {
      binding.values[info.name] = converted;
      const narrowed = info.decl.sets ? binding.sets.filter((s) => inSets(info.decl, [s])) : binding.sets;
      if (narrowed.length === 0) {
        const others = [...binding.bound].filter((n) => this.target.parameters[n]?.sets).map((n) => `-${n}`);
        throw this.fail({
          id: 'AmbiguousParameterSet',
          message: `Parameter set cannot be resolved: -${info.name} cannot be used together with ${others.join(', ') || 'the other parameters given'}.`,
          target: info.name,
          span,
        });
      }
      binding.sets = narrowed;
    }
    binding.bound.add(info.name);
  }

  /** Binds named then positional arguments. Throws a statement-terminating RuntimeError. */
  bindArguments(args: readonly ArgumentValue[], options: BindOptions): Binding {
    const binding: Binding = {
      values: {},
      bound: new Set(),
      common: { verbose: false, errorAction: undefined, errorVariable: undefined, outVariable: undefined, pipelineVariable: undefined, whatIf: false, confirm: undefined },
      sets: this.sets,
      extra: [],
    };
    const positionals: { value: unknown; span: SourceSpan | null }[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg.kind === 'positional') {
        positionals.push(arg);
        continue;
      }
      const info = this.resolveNamed(arg, options);
      if (!info) {
        // A command that takes its remaining arguments takes an unknown -name as text (ParameterBinding.Tests.ps1).
        positionals.push({ value: `-${arg.name}`, span: arg.span });
        if (arg.hasValue) positionals.push({ value: arg.value, span: arg.span });
        continue;
      }
      if (arg.hasValue) {
        this.assign(binding, info, arg.value, arg.span);
      } else if (info.decl.type === 'switch') {
        const next = args[i + 1];
        if (next?.kind === 'positional' && takesBoolean(info.decl, arg.name, next.value)) {
          i++;
          this.assign(binding, info, next.value, next.span ?? arg.span);
        } else this.assign(binding, info, true, arg.span);
      } else {
        const next = args[i + 1];
        if (!next || next.kind !== 'positional') {
          throw this.fail({
            id: 'MissingArgument',
            message: `Missing an argument for parameter -${info.name}. Specify ${typeLabel(info.decl)} and try again.`,
            target: info.name,
            span: arg.span,
          });
        }
        i++;
        this.assign(binding, info, next.value, next.span ?? arg.span);
      }
    }
    for (const positional of positionals) this.bindPositional(binding, positional.value, positional.span);
    return binding;
  }

  private bindPositional(binding: Binding, value: unknown, span: SourceSpan | null): void {
    const candidates = this.positional.filter((p) => !binding.bound.has(p.name) && inSets(p.decl, binding.sets));
    // Parameters of different sets may share a position (Where-Object's -FilterScript and
    // -Property): the first whose type accepts the argument takes it.
    // The default parameter set's parameter goes first (ParameterBinding.Tests.ps1, 'Default parameter set with value from remaining argument').
    const preferred = this.target.defaultParameterSet;
    const lowest = candidates.filter((c) => c.decl.position === candidates[0]?.decl.position);
    if (preferred) lowest.sort((a, b) => Number(inSets(b.decl, [preferred])) - Number(inSets(a.decl, [preferred])));
    let failure: unknown = null;
    for (const candidate of lowest) {
      try {
        this.assign(binding, candidate, value, span);
        return;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure;
    const rest = this.table.find((p) => p.decl.remaining && inSets(p.decl, binding.sets));
    if (rest) {
      const previous = (binding.values[rest.name] as unknown[] | undefined) ?? [];
      binding.values[rest.name] = [...previous, ...(this.convert(rest, value, span) as unknown[])];
      binding.bound.add(rest.name);
      return;
    }
    if (this.target.acceptsExtraArguments) {
      binding.extra.push(value);
      return;
    }
    throw this.fail({
      id: 'PositionalParameterNotFound',
      message: `${this.target.name} has no positional parameter that accepts the argument '${String(value)}'.`,
      target: value,
      span,
      hint: `Run Get-Help ${this.target.name} to see its parameters.`,
    });
  }

  /** The parameters a pipeline object could bind to, in the current candidate sets. */
  private pipelineParameters(binding: Binding): PipelineCandidates {
    let candidates = pipelineCandidates.get(binding);
    if (!candidates) {
      const all = this.table.filter((p) => !p.common && p.decl.pipeline && !binding.bound.has(p.name) && inSets(p.decl, binding.sets));
      candidates = {
        all,
        byValue: all.filter((p) => p.decl.pipeline === 'value' || p.decl.pipeline === 'both'),
        byProperty: all.filter((p) => p.decl.pipeline === 'property' || p.decl.pipeline === 'both'),
      };
      pipelineCandidates.set(binding, candidates);
    }
    return candidates;
  }

  /**
   * Binds one pipeline object (by value, then by property name) on top of the command-line binding
   * (which must not change afterwards: what it leaves for pipeline input is worked out once).
   */
  bindInput(binding: Binding, item: unknown, span: SourceSpan | null): Binding | ErrorRecord {
    const perItem: Binding = { ...binding, values: { ...binding.values }, bound: new Set(binding.bound) };
    const { all: candidates, byValue, byProperty } = this.pipelineParameters(binding);
    let boundAny = false;
    let failure: ErrorRecord | null = null;
    const exact = byValue.find((p) => isExactType(item, p.decl));
    for (const info of exact ? [exact, ...byValue.filter((p) => p !== exact)] : byValue) {
      try {
        this.assign(perItem, info, item, span);
        boundAny = true;
        break;
      } catch (e) {
        if (!(e instanceof RuntimeError)) throw e;
        failure ??= e.record;
      }
    }
    for (const info of byProperty) {
      if (perItem.bound.has(info.name)) continue;
      const name = [info.name, ...(info.decl.aliases ?? [])].find((n) => hasProperty(item, n));
      if (name === undefined) continue;
      try {
        this.assign(perItem, info, getMember(item, name), span);
        boundAny = true;
      } catch (e) {
        if (e instanceof RuntimeError) return e.record;
        throw e;
      }
    }
    if (!boundAny && candidates.length > 0) {
      if (failure) return failure;
      return new ErrorRecord({
        id: 'InputObjectNotBound',
        category: 'InvalidArgument',
        message: `The input object cannot be bound to any parameter of ${this.target.name}: it is not ${candidates.map((c) => typeLabel(c.decl)).join(' or ')} and has no property ${candidates.map((c) => c.name).join(' or ')}.`,
        target: item,
        span,
        command: this.target.name,
      });
    }
    const missing = this.missingMandatory(perItem, false);
    return missing ?? perItem;
  }

  /**
   * The values a block receives for one pipeline object (finalValues of bindInput), or the error
   * record of a failed binding. The command-line binding must not change afterwards.
   */
  inputValues(binding: Binding, item: unknown, span: SourceSpan | null): Record<string, unknown> | ErrorRecord {
    const direct = this.directInput(binding);
    if (direct) {
      const values = { ...direct.values };
      values[direct.name] = item;
      return values;
    }
    const bound = this.bindInput(binding, item, span);
    return bound instanceof ErrorRecord ? bound : this.finalValues(bound);
  }

  /** The DirectInput of a binding, when every object binds as the same one parameter would (worked out once). */
  private directInput(binding: Binding): DirectInput | null {
    let direct = directInputs.get(binding);
    if (direct === undefined) {
      direct = null;
      const { all } = this.pipelineParameters(binding);
      const info = all[0];
      if (all.length === 1 && info!.decl.pipeline !== 'property' && info!.decl.type === 'object' && !info!.decl.mandatory && !info!.decl.validate) {
        // What binding any object leaves for the rest of the checks: the same for every object.
        const sets = info!.decl.sets ? binding.sets.filter((s) => inSets(info!.decl, [s])) : binding.sets;
        const bound = { ...binding, bound: new Set([...binding.bound, info!.name]), sets };
        if (sets.length > 0 && this.missingMandatory(bound, false) === null) direct = { name: info!.name, values: this.finalValues(binding) };
      }
      directInputs.set(binding, direct);
    }
    return direct;
  }

  /** The parameter set a binding resolves to ($PSCmdlet.ParameterSetName). */
  chooseSet(binding: Binding): string {
    if (binding.sets.length === 1) return binding.sets[0]!;
    const satisfied = binding.sets.filter((s) => !this.mandatory.some((p) => p.decl.sets?.includes(s) && !binding.bound.has(p.name)));
    const preferred = this.target.defaultParameterSet;
    if (preferred && satisfied.includes(preferred)) return preferred;
    if (satisfied.length >= 1) return satisfied[0]!;
    return preferred && binding.sets.includes(preferred) ? preferred : binding.sets[0]!;
  }

  /** A missing mandatory parameter (skipping those pipeline input may still supply), or null. */
  private missingMandatory(binding: Binding, waitForInput: boolean): ErrorRecord | null {
    const set = this.chooseSet(binding);
    const missing = this.mandatory.filter((p) => inSets(p.decl, [set]) && !binding.bound.has(p.name) && !(waitForInput && p.decl.pipeline));
    if (missing.length === 0) return null;
    return new ErrorRecord({
      id: 'MissingMandatoryParameter',
      category: 'InvalidArgument',
      message: `${this.target.name} needs ${missing.map((m) => `-${m.name}`).join(', ')}: ${missing.length > 1 ? 'they are' : 'it is'} mandatory.`,
      target: missing.map((m) => m.name).join(','),
      command: this.target.name,
    });
  }

  /** After command-line binding: fails on missing mandatory parameters that input cannot supply. */
  checkMandatory(binding: Binding, expectingInput: boolean, span: SourceSpan | null): void {
    const missing = this.missingMandatory(binding, expectingInput);
    if (missing) {
      missing.span = span;
      throw new RuntimeError(missing);
    }
  }

  /** The values a block receives: bound values, then declared defaults, switches false. */
  finalValues(binding: Binding): Record<string, unknown> {
    return Object.assign({}, unboundValues(this.target), binding.values);
  }
}
