// The intrinsic methods every object has in PowerShell (about_Intrinsic_Members, about_Arrays):
// .ForEach(…) and .Where(…), on collections and on single objects (a collection of one).
// Script blocks run through the `run` callback the interpreter passes in.
import { ScriptBlock } from './scriptblock.js';
import { TypeRef, callMethod, cast } from './types.js';
import { ConversionError, getMember, hasProperty, setMember, toBool, toNumber, toStr, unwrap } from './values.js';

/** Runs a script block with `$_` set to `input` (in the caller's scope), collecting its output. */
export type BlockRunner = (block: ScriptBlock, input: unknown, args: unknown[]) => Promise<unknown[]>;

const WHERE_MODES = ['default', 'first', 'last', 'skipuntil', 'until', 'split'] as const;

/** Script methods Add-Member attached to an object, by lower-cased name (not enumerable: not a property). */
export const SCRIPT_METHODS = Symbol.for('mcshell.scriptMethods');

export function addScriptMethod(object: object, name: string, block: ScriptBlock): void {
  const own = object as { [SCRIPT_METHODS]?: Map<string, ScriptBlock> };
  if (!own[SCRIPT_METHODS]) Object.defineProperty(object, SCRIPT_METHODS, { value: new Map(), enumerable: false });
  own[SCRIPT_METHODS]!.set(name.toLowerCase(), block);
}

export function hasScriptMethod(object: unknown, name: string): boolean {
  return object !== null && typeof object === 'object' && ((object as { [SCRIPT_METHODS]?: Map<string, ScriptBlock> })[SCRIPT_METHODS]?.has(name.toLowerCase()) ?? false);
}

/**
 * A script method (run with $this as the object), `.ForEach()` or `.Where()` when `lower` names
 * one; undefined otherwise.
 */
export async function intrinsicMethod(object: unknown, lower: string, args: unknown[], run: BlockRunner): Promise<unknown | undefined> {
  const scriptMethod = object !== null && typeof object === 'object' ? (object as { [SCRIPT_METHODS]?: Map<string, ScriptBlock> })[SCRIPT_METHODS]?.get(lower) : undefined;
  if (scriptMethod) return unwrap(await run(new ScriptBlock(scriptMethod.node, scriptMethod.scope.transparentChild({ this: object })), undefined, args));
  if (lower === 'foreach') return forEach(items(object), args, run);
  if (lower === 'where' && args[0] instanceof ScriptBlock) return where(items(object), args, run);
  return undefined;
}

/** A collection is its items; anything else a collection of one (as PowerShell 3+ treats scalars). */
const items = (object: unknown): unknown[] => (object === null || object === undefined ? [] : Array.isArray(object) ? object : [object]);

/**
 * ForEach(scriptblock, args…): the block's output for each item; ForEach([type]): each item
 * converted; ForEach('Name'): each item's property (not unrolled) or, with a value, sets it;
 * ForEach('Method', args…): each item's method result.
 */
async function forEach(list: unknown[], args: unknown[], run: BlockRunner): Promise<unknown[]> {
  const [selector, ...rest] = args;
  const results: unknown[] = [];
  if (selector instanceof ScriptBlock) {
    for (const item of list) results.push(...(await run(selector, item, rest)));
    return results;
  }
  if (selector instanceof TypeRef) return list.map((item) => cast(selector.name, item));
  if (typeof selector !== 'string') throw new ConversionError('ForEach() takes a script block, a type, or a property or method name.');
  for (const item of list) {
    if (hasProperty(item, selector) || getMember(item, selector) !== null) {
      if (rest.length === 1) setMember(item, selector, rest[0]);
      else results.push(getMember(item, selector));
    } else {
      const value = callMethod(item, selector, rest);
      if (value !== undefined) results.push(value);
    }
  }
  return results;
}

/** Where(scriptblock, mode = 'Default', numberToReturn = 0): about_Arrays' Where() modes. */
async function where(list: unknown[], args: unknown[], run: BlockRunner): Promise<unknown[]> {
  const block = args[0] as ScriptBlock;
  const modeText = args.length > 1 ? toStr(args[1]) : 'Default';
  const mode = WHERE_MODES.find((m) => m === modeText.toLowerCase());
  if (!mode) throw new ConversionError(`Cannot convert value "${modeText}" to type "System.Management.Automation.WhereOperatorSelectionMode": use Default, First, Last, SkipUntil, Until or Split.`);
  const count = args.length > 2 ? toNumber(args[2]) : 0;
  const test = async (item: unknown) => toBool(unwrap(await run(block, item, [])));
  const matched: unknown[] = [];
  const rest: unknown[] = [];
  for (const [i, item] of list.entries()) {
    const ok = await test(item);
    switch (mode) {
      case 'default':
        if (ok) matched.push(item);
        if (count > 0 && matched.length === count) return matched;
        break;
      case 'first':
        if (ok) matched.push(item);
        if (matched.length === Math.max(1, count)) return matched;
        break;
      case 'last':
        if (ok) matched.push(item);
        break;
      case 'skipuntil':
        if (ok) return limit(list.slice(i), count);
        break;
      case 'until':
        if (ok) return matched;
        matched.push(item);
        if (count > 0 && matched.length === count) return matched;
        break;
      case 'split':
        if (ok && (count === 0 || matched.length < count)) matched.push(item);
        else rest.push(item);
        break;
    }
  }
  if (mode === 'last') return matched.slice(-Math.max(1, count));
  if (mode === 'split') return [matched, rest];
  return mode === 'skipuntil' ? [] : matched;
}

const limit = (list: unknown[], count: number) => (count > 0 ? list.slice(0, count) : list);
