import { randomInt } from 'node:crypto';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { toNumber } from '../../src/runtime/values.js';

/** The generator -SetSeed starts: mulberry32, so a seed gives the same numbers on every run. */
let seeded: (() => number) | null = null;

function seed(value: number): () => number {
  let state = value >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A number in [0, 1): the seeded sequence after -SetSeed, else the system's generator. */
const next = () => (seeded ? seeded() : randomInt(2 ** 47) / 2 ** 47);

export default defineCmdlet({
  name: 'Get-Random',
  synopsis: 'Outputs a random number (from -Minimum up to, not including, -Maximum) or random items of its input.',
  description:
    'Without input: an integer from 0 up to [int]::MaxValue, or within -Minimum/-Maximum (a double when either is one). With input or -InputObject: -Count items drawn without repetition (one by default); -Shuffle outputs them all in random order. -SetSeed makes the sequence repeatable.',
  parameters: {
    Maximum: { type: 'object', position: 0, aliases: ['Max'], description: 'The upper bound (excluded).', sets: ['Random'] },
    Minimum: { type: 'object', aliases: ['Min'], description: 'The lower bound (included; default 0).', sets: ['Random'] },
    InputObject: { type: 'object[]', position: 0, pipeline: 'value', description: 'Items to choose from.', sets: ['Items', 'Shuffle'] },
    Count: { type: 'int', validate: { range: [1, 2 ** 31 - 1] }, description: 'How many numbers or items.' },
    Shuffle: { type: 'switch', description: 'All the items, in random order.', sets: ['Shuffle'] },
    SetSeed: { type: 'int', description: 'Seeds the generator: the same seed gives the same sequence.' },
  },
  defaultParameterSet: 'Random',
  examples: [
    { title: 'Within bounds', code: '$n = Get-Random -Minimum 5 -Maximum 8; $n -ge 5 -and $n -lt 8', output: [true] },
    { title: 'Items of the input, without repetition', code: '(1..10 | Get-Random -Count 10 | Sort-Object) -join ","', output: ['1,2,3,4,5,6,7,8,9,10'] },
    { title: 'Repeatable with a seed', code: '(Get-Random -SetSeed 42 -Maximum 1000) -eq (Get-Random -SetSeed 42 -Maximum 1000)', output: [true] },
    { title: 'Bounds the wrong way round', code: 'Get-Random -Minimum 10 -Maximum 5', error: 'MinGreaterThanOrEqualMax' },
  ],
  state: () => ({ items: [] as unknown[] }),
  process(params, ctx) {
    if (params.InputObject) ctx.state.items.push(...params.InputObject);
  },
  *end(params, ctx) {
    if (params.SetSeed !== undefined) seeded = seed(params.SetSeed);
    if (ctx.state.items.length > 0 || params.Shuffle) {
      const items = [...ctx.state.items];
      const take = params.Shuffle ? items.length : Math.min(params.Count ?? 1, items.length);
      // A partial Fisher–Yates shuffle: the first `take` places get distinct random items.
      for (let i = 0; i < take; i++) {
        const j = i + Math.floor(next() * (items.length - i));
        [items[i], items[j]] = [items[j], items[i]];
      }
      yield* items.slice(0, take);
      return;
    }
    const floating = [params.Minimum, params.Maximum].some((v) => typeof v === 'number' && !Number.isInteger(v)) || [params.Minimum, params.Maximum].some((v) => typeof v === 'string' && /[.eE]/.test(v));
    const min = params.Minimum === undefined || params.Minimum === null ? 0 : toNumber(params.Minimum);
    const max = params.Maximum === undefined || params.Maximum === null ? (floating ? Number.MAX_VALUE : 2 ** 31 - 1) : toNumber(params.Maximum);
    if (min >= max) {
      throw ctx.error({ id: 'MinGreaterThanOrEqualMax', category: 'InvalidArgument', message: `The Minimum value (${min}) cannot be greater than or equal to the Maximum value (${max}).`, target: min });
    }
    for (let i = 0; i < (params.Count ?? 1); i++) yield floating ? min + next() * (max - min) : min + Math.floor(next() * (max - min));
  },
});
