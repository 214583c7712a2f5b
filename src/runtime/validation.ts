// Validation attributes of script parameters and variables (about_Functions_Advanced_Parameters,
// "Parameter and variable validation attributes"): [ValidateSet], [ValidateRange] (bounds or a
// kind such as "Positive"), [ValidatePattern], [ValidateLength], [ValidateCount],
// [ValidateScript], [ValidateNotNull], [ValidateNotNullOrEmpty], [ValidateNotNullOrWhiteSpace],
// each with PowerShell's ErrorMessage = "…{0}…" override. Messages follow PowerShell's wording.
import type { AttributeNode } from '../language/ast.js';
import { ScriptBlock } from './scriptblock.js';
import { numberToString, roundHalfEven, toBool, toNumber, toStr, tryToNumber } from './values.js';

type RangeKind = 'positive' | 'nonnegative' | 'negative' | 'nonpositive';

export type ValidationRule = { errorMessage?: string } & (
  | { kind: 'set'; values: string[]; ignoreCase: boolean }
  | { kind: 'range'; min: number; max: number }
  | { kind: 'rangeKind'; range: RangeKind }
  | { kind: 'pattern'; pattern: string; regex: RegExp }
  | { kind: 'length'; min: number; max: number }
  | { kind: 'count'; min: number; max: number }
  | { kind: 'script'; block: ScriptBlock }
  | { kind: 'notNull' }
  | { kind: 'notNullOrEmpty' }
  | { kind: 'notNullOrWhiteSpace' }
);

const RANGE_KINDS: Record<string, RangeKind> = { positive: 'positive', nonnegative: 'nonnegative', negative: 'negative', nonpositive: 'nonpositive' };

/** Whether an attribute name is a validation attribute this module understands. */
export function isValidationAttribute(name: string): boolean {
  return /^(system\.management\.automation\.)?validate(set|range|pattern|length|count|script|notnull|notnullorempty|notnullorwhitespace)(attribute)?$/i.test(name);
}

/** The rule an attribute states, given its evaluated positional and named arguments. */
export function validationRule(attribute: AttributeNode, positional: unknown[], named: Record<string, unknown>): ValidationRule {
  const kind = attribute.name
    .toLowerCase()
    .replace(/^system\.management\.automation\./, '')
    .replace(/attribute$/, '');
  const errorMessage = named.errormessage === undefined ? {} : { errorMessage: toStr(named.errormessage) };
  const pair = (): [number, number] => {
    if (positional.length !== 2) throw new Error(`[${attribute.name}()] takes two arguments, the minimum and the maximum.`);
    return [toNumber(positional[0]), toNumber(positional[1])];
  };
  switch (kind) {
    case 'validateset':
      return { kind: 'set', values: positional.flat().map(toStr), ignoreCase: named.ignorecase === undefined || toBool(named.ignorecase), ...errorMessage };
    case 'validaterange': {
      if (positional.length === 1) {
        const range = RANGE_KINDS[toStr(positional[0]).toLowerCase()];
        if (!range) throw new Error(`[ValidateRange('${toStr(positional[0])}')]: the kind must be one of Positive, NonNegative, Negative, NonPositive.`);
        return { kind: 'rangeKind', range, ...errorMessage };
      }
      const [min, max] = pair();
      return { kind: 'range', min, max, ...errorMessage };
    }
    case 'validatepattern': {
      const pattern = toStr(positional[0]);
      return { kind: 'pattern', pattern, regex: new RegExp(pattern, 'i'), ...errorMessage };
    }
    case 'validatelength': {
      const [min, max] = pair();
      return { kind: 'length', min, max, ...errorMessage };
    }
    case 'validatecount': {
      const [min, max] = pair();
      return { kind: 'count', min, max, ...errorMessage };
    }
    case 'validatescript':
      if (!(positional[0] instanceof ScriptBlock)) throw new Error('[ValidateScript()] takes a script block.');
      return { kind: 'script', block: positional[0], ...errorMessage };
    case 'validatenotnull':
      return { kind: 'notNull', ...errorMessage };
    case 'validatenotnullorempty':
      return { kind: 'notNullOrEmpty', ...errorMessage };
    default:
      return { kind: 'notNullOrWhiteSpace', ...errorMessage };
  }
}

/** A [ValidateScript()] block to run with $_ set to `item`; the driver sends back its result. */
interface ScriptRequest {
  block: ScriptBlock;
  item: unknown;
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * What is wrong with `value` under the rules (PowerShell's message), or null when it passes. A
 * generator, so the same checks serve parameters (whose scripts may run commands: async) and
 * variables (assigned synchronously): it yields each script to run and receives its result.
 */
function* problems(rules: readonly ValidationRule[], value: unknown): Generator<ScriptRequest, string | null, unknown> {
  for (const rule of rules) {
    // Collection-level rules look at the whole value; the others at each element.
    if (rule.kind === 'count') {
      const count = value === null || value === undefined ? 0 : Array.isArray(value) ? value.length : 1;
      if (count < rule.min || count > rule.max) {
        return rule.errorMessage
          ? format(rule.errorMessage, value, `${rule.min},${rule.max}`)
          : `The parameter requires at least ${rule.min} value(s) and no more than ${rule.max} value(s) - ${count} value(s) were provided.`;
      }
      continue;
    }
    if (rule.kind === 'notNull' || rule.kind === 'notNullOrEmpty' || rule.kind === 'notNullOrWhiteSpace') {
      const items = Array.isArray(value) ? value : [value];
      const empty = rule.kind === 'notNull' ? value === null || value === undefined || items.some((i) => i === null || i === undefined) : isEmpty(value) || items.some(isEmpty) || (rule.kind === 'notNullOrWhiteSpace' && items.some((i) => typeof i === 'string' && i.trim() === ''));
      if (empty) {
        if (rule.errorMessage) return format(rule.errorMessage, value, '');
        return rule.kind === 'notNull'
          ? 'The argument is null. Provide a valid value for the argument, and then try running the command again.'
          : rule.kind === 'notNullOrEmpty'
            ? 'The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.'
            : 'The argument is null, empty, or consists of only white-space characters. Provide an argument that contains non white-space characters, and then try the command again.';
      }
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const problem = rule.kind === 'script' ? (toBool(yield { block: rule.block, item }) ? null : scriptFailed(rule.block, item)) : itemProblem(rule, item);
      if (problem !== null) return rule.errorMessage ? format(rule.errorMessage, item, ruleText(rule)) : problem;
    }
  }
  return null;
}

/** validation problems for a parameter: its scripts run by `runScript` (async). */
export async function validationProblem(rules: readonly ValidationRule[], value: unknown, runScript: (block: ScriptBlock, item: unknown) => Promise<unknown>): Promise<string | null> {
  const checks = problems(rules, value);
  for (let step = checks.next(); ; ) {
    if (step.done) return step.value;
    step = checks.next(await runScript(step.value.block, step.value.item));
  }
}

/** validation problems for a variable being assigned: its scripts run by `runScript` (synchronously). */
export function validationProblemNow(rules: readonly ValidationRule[], value: unknown, runScript: (block: ScriptBlock, item: unknown) => unknown): string | null {
  const checks = problems(rules, value);
  for (let step = checks.next(); ; ) {
    if (step.done) return step.value;
    step = checks.next(runScript(step.value.block, step.value.item));
  }
}

function scriptFailed(block: ScriptBlock, item: unknown): string {
  return `The "${block.node.text.trim()}" validation script for the argument with value "${toStr(item)}" did not return a result of True. Determine why the validation script failed, and then try the command again.`;
}

/** {1} of an ErrorMessage: the set, pattern or script the value failed. */
function ruleText(rule: ValidationRule): string {
  if (rule.kind === 'set') return rule.values.join(',');
  if (rule.kind === 'pattern') return rule.pattern;
  if (rule.kind === 'script') return rule.block.node.text.trim();
  if (rule.kind === 'range' || rule.kind === 'length') return `${rule.min},${rule.max}`;
  return '';
}

function format(template: string, value: unknown, rule: string): string {
  return template.replace(/\{([01])\}/g, (_, i: string) => (i === '0' ? toStr(value) : rule));
}

function itemProblem(rule: ValidationRule, item: unknown): string | null {
  const text = toStr(item);
  switch (rule.kind) {
    case 'set': {
      const ok = rule.ignoreCase ? rule.values.some((v) => v.toLowerCase() === text.toLowerCase()) : rule.values.includes(text);
      return ok ? null : `The argument "${text}" does not belong to the set "${rule.values.join(',')}" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`;
    }
    case 'range': {
      // Compared in the bounds' type, as PowerShell converts it: with integer bounds 10.5 is 10 (rounded half to even) and passes (0,10).
      const number = typeof item === 'number' ? item : tryToNumber(item);
      const n = number !== undefined && Number.isInteger(rule.min) && Number.isInteger(rule.max) ? roundHalfEven(number) : number;
      if (n === undefined) return `The argument "${text}" cannot be validated because its type is not a number.`;
      if (n < rule.min) return `The ${text} argument is less than the minimum allowed range of ${numberToString(rule.min)}. Supply an argument that is greater than or equal to ${numberToString(rule.min)} and then try the command again.`;
      if (n > rule.max) return `The ${text} argument is greater than the maximum allowed range of ${numberToString(rule.max)}. Supply an argument that is less than or equal to ${numberToString(rule.max)} and then try the command again.`;
      return null;
    }
    case 'rangeKind': {
      const n = typeof item === 'number' ? item : tryToNumber(item);
      const ok = n !== undefined && (rule.range === 'positive' ? n > 0 : rule.range === 'nonnegative' ? n >= 0 : rule.range === 'negative' ? n < 0 : n <= 0);
      const wanted = { positive: 'greater than zero', nonnegative: 'greater than or equal to zero', negative: 'less than zero', nonpositive: 'less than or equal to zero' }[rule.range];
      return ok ? null : `The argument "${text}" cannot be validated because its value is not ${wanted}.`;
    }
    case 'pattern':
      return rule.regex.test(text) ? null : `The argument "${text}" does not match the "${rule.pattern}" pattern. Supply an argument that matches "${rule.pattern}" and try the command again.`;
    case 'length':
      if (text.length < rule.min) return `The character length (${text.length}) of the argument is too short. Specify an argument with a length that is greater than or equal to "${rule.min}", and then try the command again.`;
      if (text.length > rule.max) return `The character length of the ${text.length} argument is too long. Shorten the character length of the argument so it is fewer than or equal to "${rule.max}" characters, and then try the command again.`;
      return null;
    default:
      return null;
  }
}
