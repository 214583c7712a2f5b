import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { DOTNET_TYPE } from '../../src/runtime/dotnet.js';
import { Hashtable, isPlainObject, toStr } from '../../src/runtime/values.js';

/** -AsHashtable's dictionaries: PowerShell 7.3+ makes OrderedHashtables (a Hashtable keeping the JSON's key order). */
function toHashtables(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toHashtables);
  if (!isPlainObject(value)) return value;
  const table = Hashtable.fromEntries(Object.entries(value).map(([k, v]) => [k, toHashtables(v)]));
  Object.defineProperty(table, DOTNET_TYPE, { value: 'System.Management.Automation.OrderedHashtable' });
  return table;
}

/** The text without `// …` and `/* … *\/` comments outside strings, which PowerShell's JSON reader skips (ConvertFrom-Json.Tests.ps1). */
function withoutComments(text: string): string {
  if (!text.includes('/')) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      out += text.slice(from, i);
      const end = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2) + 2;
      i = end <= 1 ? text.length : end - 1;
      out += ' ';
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(withoutComments(text));
    return true;
  } catch {
    return false;
  }
}

function depthOf(value: unknown): number {
  const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : null;
  return children ? 1 + children.reduce<number>((deepest, child) => Math.max(deepest, depthOf(child)), 0) : 0;
}

export default defineCmdlet({
  name: 'ConvertFrom-Json',
  synopsis: 'Converts JSON text to objects.',
  description:
    'Several piped strings are several JSON texts when the first is complete JSON by itself; otherwise they are joined and parsed as one (as PowerShell 7 does). A JSON array is output element by element unless -NoEnumerate.',
  parameters: {
    InputObject: { type: 'string', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', description: 'The JSON text.' },
    AsHashtable: { type: 'switch', description: 'Makes hashtables instead of objects.' },
    NoEnumerate: { type: 'switch', description: 'Outputs a JSON array as one array.' },
    Depth: { type: 'int', validate: { range: [1, 2 ** 31 - 1] }, default: 1024, description: 'The deepest nesting accepted (default 1024).' },
  },
  examples: [
    { title: 'Parse an object', code: "'{\"Name\":\"img\",\"Size\":3}' | ConvertFrom-Json | ForEach-Object Size", output: [3] },
    { title: 'One JSON text per piped string', code: "'{\"a\":1}', '{\"a\":2}' | ConvertFrom-Json | ForEach-Object a", output: [1, 2] },
    { title: 'Hashtables', code: "('{\"a\":{\"b\":2}}' | ConvertFrom-Json -AsHashtable)['a']['b']", output: [2] },
    { title: 'An array is enumerated', code: "'[1,2,3]' | ConvertFrom-Json | Measure-Object -Sum | ForEach-Object Sum", output: [6] },
  ],
  state: () => ({ parts: [] as string[] }),
  process(params, ctx) {
    ctx.state.parts.push(toStr(params.InputObject));
  },
  *end(params, ctx) {
    const parts = ctx.state.parts;
    const parse = (text: string): unknown => {
      let value: unknown;
      try {
        value = JSON.parse(withoutComments(text));
      } catch (e) {
        throw ctx.error({ id: 'InvalidJson', category: 'InvalidData', message: `The input is not valid JSON: ${(e as Error).message}`, target: text.slice(0, 200) });
      }
      if (depthOf(value) > params.Depth) {
        throw ctx.error({ id: 'JsonDepthExceeded', category: 'InvalidData', message: `The JSON nests deeper than -Depth ${params.Depth}.`, target: text.slice(0, 200) });
      }
      return params.AsHashtable ? toHashtables(value) : value;
    };
    // ConvertFromJsonCommand: when the first piped string is a JSON text by itself, each string is one.
    const texts = parts.length > 1 && isJson(parts[0]!) ? parts : [parts.join('\n')];
    for (const text of texts) {
      const value = parse(text);
      if (Array.isArray(value) && !params.NoEnumerate) yield* value;
      else yield value;
    }
  },
});
