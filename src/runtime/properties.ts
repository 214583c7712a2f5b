// Property selectors shared by Select-Object, Sort-Object, Group-Object, Measure-Object and the
// Format-* cmdlets: names (with wildcards), script blocks, and calculated properties
// `@{ Name = 'Label'; Expression = { … } }` (also `n`/`l`/`e` and `Descending` for sorting).
import type { CmdletContext } from './cmdlet.js';
import { ScriptBlock } from './scriptblock.js';
import { Hashtable, getMember, propertyNames, toBool, toStr, unwrap } from './values.js';
import { isWildcard, matchesWildcard } from './wildcard.js';

export interface PropertySelector {
  /** A property name or wildcard pattern, or the label of a calculated property. */
  label: string;
  wildcard: boolean;
  expression: string | ScriptBlock;
  descending?: boolean;
}

const keyOf = (table: Hashtable, ...names: string[]) => names.find((n) => table.has(n));

/** Parses -Property arguments. Throws a message string for a malformed calculated property. */
export function parseSelectors(specs: readonly unknown[]): PropertySelector[] {
  return specs.map((spec) => {
    if (spec instanceof ScriptBlock) return { label: spec.node.text.trim(), wildcard: false, expression: spec };
    if (spec instanceof Hashtable) {
      const exprKey = keyOf(spec, 'Expression', 'e');
      const labelKey = keyOf(spec, 'Name', 'n', 'Label', 'l');
      if (exprKey === undefined && labelKey === undefined) {
        throw new Error(`A calculated property needs Expression (e) and Name (n) keys, got @{${spec.keys().map(toStr).join('; ')}}.`);
      }
      const expression = exprKey !== undefined ? spec.get(exprKey) : toStr(spec.get(labelKey));
      const label = labelKey !== undefined ? toStr(spec.get(labelKey)) : expression instanceof ScriptBlock ? expression.node.text.trim() : toStr(expression);
      const selector: PropertySelector = { label, wildcard: false, expression: expression instanceof ScriptBlock ? expression : toStr(expression) };
      const desc = keyOf(spec, 'Descending');
      const asc = keyOf(spec, 'Ascending');
      if (desc !== undefined) selector.descending = toBool(spec.get(desc));
      else if (asc !== undefined) selector.descending = !toBool(spec.get(asc));
      return selector;
    }
    const name = toStr(spec);
    return { label: name, wildcard: isWildcard(name), expression: name };
  });
}

/** Wildcard selectors become the matching property names of `item`. */
export function expandSelectors(selectors: readonly PropertySelector[], item: unknown, exclude: readonly string[] = []): PropertySelector[] {
  const names = propertyNames(item);
  const out: PropertySelector[] = [];
  const seen = new Set<string>();
  for (const s of selectors) {
    const expanded = s.wildcard ? names.filter((n) => matchesWildcard(n, s.label)).map((n) => ({ ...s, label: n, wildcard: false, expression: n })) : [s];
    for (const e of expanded) {
      const key = e.label.toLowerCase();
      if (seen.has(key) || exclude.some((x) => matchesWildcard(e.label, x))) continue;
      seen.add(key);
      out.push(e);
    }
  }
  return out;
}

export async function selectValue(selector: PropertySelector, item: unknown, ctx: CmdletContext): Promise<unknown> {
  if (selector.expression instanceof ScriptBlock) return unwrap(await ctx.invokeCollect(selector.expression, { input: item, dotSource: true }));
  return getMember(item, selector.expression);
}

/** A new object with the selected properties of `item`, in order. */
export async function project(item: unknown, selectors: readonly PropertySelector[], ctx: CmdletContext, exclude: readonly string[] = []): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const s of expandSelectors(selectors, item, exclude)) result[s.label] = await selectValue(s, item, ctx);
  return result;
}
