// A `param()` block as a binder target: functions, script blocks and script files bind their
// arguments like cmdlets (about_Functions_Advanced_Parameters). Attributes become parameter
// declarations; validation attributes become rules checked once the arguments are bound.
import type { AttributeNode, Expression, ParamBlock, SourceSpan } from '../language/ast.js';
import type { CmdletDeclaration, ParameterDeclaration, ParameterDeclarations, ParameterType } from './cmdlet.js';
import { ErrorRecord, RuntimeError } from './errors.js';
import type { ScriptBlock } from './scriptblock.js';
import { isValidationAttribute, validationProblem, validationRule, type ValidationRule } from './validation.js';
import { toBool, toNumber, toStr } from './values.js';

export interface ParamTarget {
  name: string;
  parameters: ParameterDeclarations;
  /** `[CmdletBinding(SupportsShouldProcess, ConfirmImpact = …)]`: -WhatIf and -Confirm, and this impact. */
  impact?: CmdletDeclaration['impact'];
  /** `[CmdletBinding(DefaultParameterSetName = …)]`. */
  defaultParameterSet?: string;
  /** `[CmdletBinding()]` or a `[Parameter()]`: an advanced function ($PSCmdlet; no $args). */
  advanced: boolean;
  acceptsExtraArguments: boolean;
  defaults: Map<string, Expression>;
  types: Map<string, string>;
  /** The validation attributes of each parameter that has some. */
  validation: Map<string, ValidationRule[]>;
}

/** A function without a param() block: every argument goes to $args. */
export function simpleTarget(name: string): ParamTarget {
  return { name, parameters: {}, advanced: false, acceptsExtraArguments: true, defaults: new Map(), types: new Map(), validation: new Map() };
}

const TYPE_FOR: Record<string, ParameterType> = {
  int: 'int',
  int32: 'int',
  int64: 'int',
  long: 'int',
  double: 'number',
  float: 'number',
  decimal: 'number',
  string: 'string',
  'string[]': 'string[]',
  'int[]': 'int[]',
  switch: 'switch',
  bool: 'bool',
  boolean: 'bool',
  datetime: 'date',
  scriptblock: 'scriptblock',
  hashtable: 'hashtable',
  'object[]': 'object[]',
  array: 'object[]',
};

/** The binder type of a parameter's `[type]` constraint (lower-cased, as the parser gives it). */
export function parameterType(type: string | null): ParameterType {
  return (type && TYPE_FOR[type.replace(/^system\./, '')]) || 'object';
}

type Evaluate = (expr: Expression) => Promise<unknown>;

/** An attribute's arguments, evaluated: positional values and named ones by lower-cased name (`Mandatory` alone is true). */
async function attributeArguments(attribute: AttributeNode, evaluate: Evaluate): Promise<{ positional: unknown[]; named: Record<string, unknown> }> {
  const positional: unknown[] = [];
  for (const e of attribute.positional) positional.push(await evaluate(e));
  const named: Record<string, unknown> = {};
  for (const n of attribute.named) named[n.name.toLowerCase()] = n.value ? await evaluate(n.value) : true;
  return { positional, named };
}

/** The validation rules among a parameter's or variable's attributes. */
export async function validationRules(attributes: readonly AttributeNode[], evaluate: Evaluate): Promise<ValidationRule[]> {
  const rules: ValidationRule[] = [];
  for (const attribute of attributes) {
    if (!isValidationAttribute(attribute.name)) continue;
    const { positional, named } = await attributeArguments(attribute, evaluate);
    rules.push(validationRule(attribute, positional, named));
  }
  return rules;
}

/**
 * The binder target of a `param()` block. As in PowerShell's compiler (GetParameterMetaData),
 * parameters are positional in declaration order (switches excepted) unless some `[Parameter()]`
 * states a Position or a ParameterSetName; then only those with a Position are.
 */
export async function paramTarget(block: ParamBlock, name: string, evaluate: Evaluate): Promise<ParamTarget> {
  const parameters: ParameterDeclarations = {};
  const defaults = new Map<string, Expression>();
  const types = new Map<string, string>();
  const validation = new Map<string, ValidationRule[]>();
  const binding = block.attributes?.find((a) => a.name.toLowerCase() === 'cmdletbinding');
  let advanced = binding !== undefined;
  let impact: ParamTarget['impact'];
  let defaultParameterSet: string | undefined;
  const cmdletBinding = binding ? (await attributeArguments(binding, evaluate)).named : {};
  if (cmdletBinding.supportsshouldprocess !== undefined && toBool(cmdletBinding.supportsshouldprocess)) {
    const level = toStr(cmdletBinding.confirmimpact ?? 'medium').toLowerCase();
    impact = level === 'low' || level === 'high' ? level : 'medium';
  }
  if (cmdletBinding.defaultparametersetname !== undefined) defaultParameterSet = toStr(cmdletBinding.defaultparametersetname);
  let explicitPositions = false;
  for (const p of block.params) {
    const decl: { -readonly [K in keyof ParameterDeclaration]: ParameterDeclaration[K] } = {
      type: parameterType(p.type),
      description: '',
    };
    if (p.type) types.set(p.name, p.type);
    for (const attribute of p.attributes) {
      const attr = attribute.name.toLowerCase();
      if (attr === 'parameter') {
        advanced = true;
        const { named } = await attributeArguments(attribute, evaluate);
        if (named.mandatory !== undefined) decl.mandatory = toBool(named.mandatory);
        if (named.position !== undefined) {
          decl.position = toNumber(named.position);
          explicitPositions = true;
        }
        if (named.valuefrompipeline !== undefined && toBool(named.valuefrompipeline)) decl.pipeline = decl.pipeline === 'property' ? 'both' : 'value';
        if (named.valuefrompipelinebypropertyname !== undefined && toBool(named.valuefrompipelinebypropertyname)) decl.pipeline = decl.pipeline === 'value' ? 'both' : 'property';
        if (named.valuefromremainingarguments !== undefined && toBool(named.valuefromremainingarguments)) {
          decl.remaining = true;
          if (decl.type === 'object') decl.type = 'object[]';
        }
        if (named.parametersetname !== undefined) {
          const set = toStr(named.parametersetname);
          if (set.toLowerCase() !== '__allparametersets') {
            decl.sets = [...(decl.sets ?? []), set];
            explicitPositions = true;
          }
        }
        if (named.helpmessage !== undefined) decl.description = toStr(named.helpmessage);
      } else if (attr === 'alias') decl.aliases = (await attributeArguments(attribute, evaluate)).positional.flat().map(toStr);
      else if (attr === 'allownull') decl.allowNull = true;
      else if (attr === 'allowemptystring') decl.allowEmptyString = true;
      else if (attr === 'allowemptycollection') decl.allowEmptyCollection = true;
    }
    const rules = await validationRules(p.attributes, evaluate);
    if (rules.length) validation.set(p.name, rules);
    if (p.defaultValue) defaults.set(p.name, p.defaultValue);
    parameters[p.name] = decl;
  }
  if (!explicitPositions) {
    let position = 0;
    for (const decl of Object.values(parameters)) if (decl.type !== 'switch') (decl as { position?: number }).position = position++;
  }
  return {
    name,
    parameters,
    advanced,
    acceptsExtraArguments: !advanced,
    defaults,
    types,
    validation,
    ...(impact && { impact }),
    ...(defaultParameterSet !== undefined && { defaultParameterSet }),
  };
}

/**
 * Checks the bound values against their parameters' validation attributes: PowerShell's
 * ParameterArgumentValidationError for the first that fails, or null.
 */
export async function invalidArgument(target: ParamTarget, values: Readonly<Record<string, unknown>>, bound: Iterable<string>, runScript: (block: ScriptBlock, item: unknown) => Promise<unknown>, span: SourceSpan | null): Promise<RuntimeError | null> {
  for (const name of bound) {
    const rules = target.validation.get(name);
    if (!rules) continue;
    const problem = await validationProblem(rules, values[name], runScript);
    if (problem === null) continue;
    return new RuntimeError(
      new ErrorRecord({
        id: 'ParameterArgumentValidationError',
        category: 'InvalidData',
        message: `Cannot validate argument on parameter '${name}'. ${problem}`,
        target: values[name],
        span,
        command: target.name,
      }),
    );
  }
  return null;
}
