import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IProduction, OptionalProductionType, Rule } from 'chevrotain';
import { chevrotain } from '../../src/language/chevrotain.js';
import * as T from '../../src/language/lexer.js';
import { FirstTokenLookahead, McshellParser } from '../../src/language/parser.js';

const kinds = ['Alternation', 'Option', 'Repetition', 'RepetitionMandatory', 'RepetitionMandatoryWithSeparator', 'RepetitionWithSeparator'] as const;

/** Every decision (alternation, option, repetition) in a rule, with its kind and occurrence index. */
function decisions(rule: Rule): { kind: OptionalProductionType | 'Alternation'; idx: number }[] {
  const found: { kind: OptionalProductionType | 'Alternation'; idx: number }[] = [];
  const walk = (productions: IProduction[]) => {
    for (const p of productions) {
      if (p instanceof chevrotain.Terminal || p instanceof chevrotain.NonTerminal) continue;
      const kind = kinds.find((k) => p instanceof chevrotain[k]);
      if (kind !== undefined) found.push({ kind, idx: (p as unknown as { idx: number }).idx });
      walk((p as unknown as { definition: IProduction[] }).definition);
    }
  };
  walk(rule.definition);
  return found;
}

test("the first-token lookahead decides every decision of the grammar exactly as Chevrotain's LL(1) analysis does", () => {
  const parser = new McshellParser(false);
  const ours = new FirstTokenLookahead({ maxLookahead: 1 });
  const theirs = new chevrotain.LLkLookaheadStrategy({ maxLookahead: 1 });
  const tokenTypes = T.allTokens.filter((t) => t.tokenTypeIdx !== undefined);
  let count = 0;
  for (const rule of Object.values(parser.getGAstProductions())) {
    for (const { kind, idx } of decisions(rule)) {
      const common = { prodOccurrence: idx, rule, maxLookahead: 1, dynamicTokensEnabled: false };
      const [mine, reference] =
        kind === 'Alternation'
          ? [ours.buildLookaheadForAlternation({ ...common, hasPredicates: false }), theirs.buildLookaheadForAlternation({ ...common, hasPredicates: false })]
          : [ours.buildLookaheadForOptional({ ...common, prodType: kind }), theirs.buildLookaheadForOptional({ ...common, prodType: kind })];
      for (const type of [...tokenTypes, chevrotain.EOF]) {
        const token = { tokenTypeIdx: type.tokenTypeIdx, tokenType: type };
        const at = { LA: () => token, LA_FAST: () => token };
        assert.equal((mine as (this: unknown) => unknown).call(at), (reference as (this: unknown) => unknown).call(at), `${rule.name}: ${kind} ${idx} on ${type.name}`);
      }
      count++;
    }
  }
  assert.ok(count > 50, `checked ${count} decisions`);
});
