import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { compareValues } from '../../src/runtime/operators.js';
import { getMember, hasProperty, tryToNumber } from '../../src/runtime/values.js';

interface Stats {
  count: number;
  sum: number;
  min: unknown;
  max: unknown;
  numeric: boolean;
}

export default defineCmdlet({
  name: 'Measure-Object',
  aliases: ['measure'],
  synopsis: 'Counts objects and computes the sum, average, minimum and maximum of numbers or properties.',
  description: 'Outputs Count, and the statistics asked for (-Sum, -Average, -Minimum, -Maximum, or -AllStats), for the objects or for each -Property.',
  parameters: {
    Property: { type: 'string[]', position: 0, description: 'Properties to measure (one result per property).' },
    Sum: { type: 'switch', description: 'Adds the values.' },
    Average: { type: 'switch', description: 'Averages the values.' },
    Minimum: { type: 'switch', description: 'The smallest value.' },
    Maximum: { type: 'switch', description: 'The largest value.' },
    AllStats: { type: 'switch', description: 'All of -Sum, -Average, -Minimum and -Maximum.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to measure.' },
  },
  outputType: { name: 'MeasureInfo', description: 'Count, then Sum / Average / Minimum / Maximum when asked for, and Property.' },
  examples: [
    { title: 'Sum of the even numbers', code: '1..10 | Where-Object { $_ % 2 -eq 0 } | Measure-Object -Sum', output: [{ Count: 5, Sum: 30 }] },
    { title: 'Statistics of a property', code: "'a', 'bbb' | Measure-Object -Property Length -AllStats", output: [{ Count: 2, Sum: 4, Average: 2, Minimum: 1, Maximum: 3, Property: 'Length' }] },
  ],
  state: () => ({ stats: new Map<string, Stats>() }),
  process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    const item = params.InputObject;
    const keys = params.Property ?? [''];
    for (const key of keys) {
      if (key && !hasProperty(item, key)) {
        ctx.writeError({ id: 'GenericMeasurePropertyNotFound', category: 'InvalidArgument', message: `Property "${key}" cannot be found in the input.`, target: item });
        continue;
      }
      const value = key ? getMember(item, key) : item;
      const s = ctx.state.stats.get(key) ?? { count: 0, sum: 0, min: undefined, max: undefined, numeric: true };
      ctx.state.stats.set(key, s);
      s.count++;
      const n = typeof value === 'string' && value.trim() === '' ? undefined : tryToNumber(value);
      const wantsNumbers = params.Sum || params.Average || params.AllStats;
      if (n === undefined) {
        s.numeric = false;
        if (wantsNumbers) {
          ctx.writeError({ id: 'NonNumericInputObject', category: 'InvalidType', message: `Input object "${String(value)}" is not numeric.`, target: value });
          continue;
        }
      } else s.sum += n;
      const comparable = n ?? value;
      if (s.min === undefined || compareValues(comparable, s.min) < 0) s.min = comparable;
      if (s.max === undefined || compareValues(comparable, s.max) > 0) s.max = comparable;
    }
  },
  *end(params, ctx) {
    const all = params.AllStats;
    const keys = params.Property ?? [''];
    for (const key of keys) {
      const s = ctx.state.stats.get(key) ?? { count: 0, sum: 0, min: null, max: null, numeric: true };
      const result: Record<string, unknown> = { Count: s.count };
      if (params.Sum || all) result['Sum'] = s.sum;
      if (params.Average || all) result['Average'] = s.count ? s.sum / s.count : null;
      if (params.Minimum || all) result['Minimum'] = s.min ?? null;
      if (params.Maximum || all) result['Maximum'] = s.max ?? null;
      if (key) result['Property'] = key;
      yield result;
    }
  },
});
