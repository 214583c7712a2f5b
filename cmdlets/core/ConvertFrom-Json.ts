import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { Hashtable, isPlainObject, toStr } from '../../src/runtime/values.js';

function toHashtables(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toHashtables);
  if (isPlainObject(value)) return Hashtable.fromEntries(Object.entries(value).map(([k, v]) => [k, toHashtables(v)]));
  return value;
}

export default defineCmdlet({
  name: 'ConvertFrom-Json',
  synopsis: 'Converts JSON text to objects.',
  description: 'Joins the input strings and parses them as one JSON text. A JSON array is output element by element unless -NoEnumerate.',
  parameters: {
    InputObject: { type: 'string', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', description: 'The JSON text.' },
    AsHashtable: { type: 'switch', description: 'Makes hashtables instead of objects.' },
    NoEnumerate: { type: 'switch', description: 'Outputs a JSON array as one array.' },
  },
  examples: [
    { title: 'Parse an object', code: "'{\"Name\":\"img\",\"Size\":3}' | ConvertFrom-Json | ForEach-Object Size", output: [3] },
    { title: 'An array is enumerated', code: "'[1,2,3]' | ConvertFrom-Json | Measure-Object -Sum | ForEach-Object Sum", output: [6] },
  ],
  state: () => ({ parts: [] as string[] }),
  process(params, ctx) {
    ctx.state.parts.push(toStr(params.InputObject));
  },
  *end(params, ctx) {
    const text = ctx.state.parts.join('\n');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw ctx.error({ id: 'InvalidJson', category: 'InvalidData', message: `The input is not valid JSON: ${(e as Error).message}`, target: text.slice(0, 200) });
    }
    if (params.AsHashtable) value = toHashtables(value);
    if (Array.isArray(value) && !params.NoEnumerate) yield* value;
    else yield value;
  },
});
