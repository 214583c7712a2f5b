import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { compareValues } from '../../src/runtime/operators.js';
import { expandSelectors, parseSelectors, selectValue, type PropertySelector } from '../../src/runtime/properties.js';
import { hasProperty, toStr, tryToNumber } from '../../src/runtime/values.js';

interface Stats {
  count: number;
  sum: number;
  /** Sum of squares, for the standard deviation. */
  squares: number;
  min: unknown;
  max: unknown;
}

interface TextStats {
  lines: number;
  words: number;
  characters: number;
}

export default defineCmdlet({
  name: 'Measure-Object',
  aliases: ['measure'],
  synopsis: 'Counts objects and computes the sum, average, minimum, maximum and standard deviation of numbers or properties; or counts lines, words and characters of text.',
  description:
    'Outputs Count, and the statistics asked for (-Sum, -Average, -Minimum, -Maximum, -StandardDeviation, or -AllStats), for the objects or for each -Property (names, wildcards or script blocks). With -Line, -Word or -Character it measures text instead.',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Properties to measure (names, wildcards or script blocks; one result per property).' },
    Sum: { type: 'switch', description: 'Adds the values.' },
    Average: { type: 'switch', description: 'Averages the values.' },
    Minimum: { type: 'switch', description: 'The smallest value.' },
    Maximum: { type: 'switch', description: 'The largest value.' },
    StandardDeviation: { type: 'switch', description: 'The sample standard deviation of the values.' },
    AllStats: { type: 'switch', description: 'All of -Sum, -Average, -Minimum, -Maximum and -StandardDeviation.' },
    Line: { type: 'switch', description: 'Counts the lines of text.', sets: ['Text'] },
    Word: { type: 'switch', description: 'Counts the words (runs of non-space characters).', sets: ['Text'] },
    Character: { type: 'switch', description: 'Counts the characters.', sets: ['Text'] },
    IgnoreWhiteSpace: { type: 'switch', description: 'With -Character: white space is not counted.', sets: ['Text'] },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to measure.' },
  },
  outputType: { name: 'MeasureInfo', description: 'Count, then Sum / Average / Minimum / Maximum / StandardDeviation when asked for, and Property; or Lines / Words / Characters.' },
  examples: [
    { title: 'Sum of the even numbers', code: '1..10 | Where-Object { $_ % 2 -eq 0 } | Measure-Object -Sum', output: [{ Count: 5, Sum: 30 }] },
    { title: 'Statistics of a property', code: "'a', 'bbb' | Measure-Object -Property Length -AllStats", output: [{ Count: 2, Sum: 4, Average: 2, Minimum: 1, Maximum: 3, StandardDeviation: Math.SQRT2, Property: 'Length' }] },
    { title: 'Lines, words and characters', code: "\"one two`nthree\" | Measure-Object -Line -Word -Character", output: [{ Lines: 2, Words: 3, Characters: 13 }] },
    { title: 'A script block as the property', code: "'a', 'bb' | Measure-Object { $_.Length * 10 } -Sum | ForEach-Object Sum", output: [30] },
  ],
  state: () => ({ stats: new Map<string, Stats>(), text: new Map<string, TextStats>(), order: [] as string[] }),
  process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    const item = params.InputObject;
    const tally = (measured: [string, unknown][]): void => {
      const textMode = params.Line || params.Word || params.Character;
      for (const [key, value] of measured) {
        if (!ctx.state.order.includes(key)) ctx.state.order.push(key);
        if (textMode) {
          const text = toStr(value);
          const t = ctx.state.text.get(key) ?? { lines: 0, words: 0, characters: 0 };
          ctx.state.text.set(key, t);
          t.lines += text.split('\n').filter((l) => l !== '').length;
          t.words += text.split(/\s+/).filter((w) => w !== '').length;
          t.characters += params.IgnoreWhiteSpace ? text.replace(/\s/g, '').length : text.length;
          continue;
        }
        const s = ctx.state.stats.get(key) ?? { count: 0, sum: 0, squares: 0, min: undefined, max: undefined };
        ctx.state.stats.set(key, s);
        s.count++;
        const n = typeof value === 'string' && value.trim() === '' ? undefined : tryToNumber(value);
        const wantsNumbers = params.Sum || params.Average || params.StandardDeviation || params.AllStats;
        if (n === undefined) {
          if (wantsNumbers) {
            ctx.writeError({ id: 'NonNumericInputObject', category: 'InvalidType', message: `Input object "${String(value)}" is not numeric.`, target: value });
            continue;
          }
        } else {
          s.sum += n;
          s.squares += n * n;
        }
        // Only when asked: comparing whole objects means rendering them as text (a deployment with 10,000 statuses).
        if (params.Minimum || params.Maximum || params.AllStats) {
          const comparable = n ?? value;
          if (s.min === undefined || compareValues(comparable, s.min) < 0) s.min = comparable;
          if (s.max === undefined || compareValues(comparable, s.max) > 0) s.max = comparable;
        }
      }
    };
    // Without -Property nothing needs awaiting: no promise per object.
    if (!params.Property) return tally([['', item]]);
    let selectors: PropertySelector[];
    try {
      selectors = expandSelectors(parseSelectors(params.Property), item);
    } catch (e) {
      throw ctx.error({ id: 'InvalidCalculatedProperty', category: 'InvalidArgument', message: (e as Error).message });
    }
    return (async () => {
      const measured: [string, unknown][] = [];
      for (const s of selectors) {
        // An object without the property is skipped; one that no object had is an error only under Set-StrictMode 2+ (MeasureObjectCommand).
        if (typeof s.expression === 'string' && !hasProperty(item, s.expression)) {
          if (!ctx.state.order.includes(s.label)) ctx.state.order.push(s.label);
          continue;
        }
        measured.push([s.label, await selectValue(s, item, ctx)]);
      }
      tally(measured);
    })();
  },
  *end(params, ctx) {
    const keys = ctx.state.order.length ? ctx.state.order : [''];
    if (params.Line || params.Word || params.Character) {
      for (const key of keys) {
        const t = ctx.state.text.get(key) ?? { lines: 0, words: 0, characters: 0 };
        const result: Record<string, unknown> = {};
        if (params.Line) result['Lines'] = t.lines;
        if (params.Word) result['Words'] = t.words;
        if (params.Character) result['Characters'] = t.characters;
        if (key) result['Property'] = key;
        yield result;
      }
      return;
    }
    const all = params.AllStats;
    for (const key of keys) {
      const s = ctx.state.stats.get(key) ?? { count: 0, sum: 0, squares: 0, min: null, max: null };
      if (key && s.count === 0 && ctx.strictMode >= 2) {
        ctx.writeError({ id: 'GenericMeasurePropertyNotFound', category: 'InvalidArgument', message: `Property "${key}" cannot be found in the input for any objects.`, target: key });
        continue;
      }
      const result: Record<string, unknown> = { Count: s.count };
      if (params.Sum || all) result['Sum'] = s.sum;
      if (params.Average || all) result['Average'] = s.count ? s.sum / s.count : null;
      if (params.Minimum || all) result['Minimum'] = s.min ?? null;
      if (params.Maximum || all) result['Maximum'] = s.max ?? null;
      if (params.StandardDeviation || all) {
        // The sample standard deviation (n - 1), as Measure-Object computes it.
        result['StandardDeviation'] = s.count > 1 ? Math.sqrt(Math.max(0, (s.squares - (s.sum * s.sum) / s.count) / (s.count - 1))) : 0;
      }
      if (key) result['Property'] = key;
      yield result;
    }
  },
});
