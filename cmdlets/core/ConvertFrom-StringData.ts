import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { Hashtable } from '../../src/runtime/values.js';

/** .NET's Regex.Unescape for the escapes text files use: \n \t \r \\ and \= … (any other escaped character stands for itself). */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', e: '\x1b' })[c] ?? c);
}

export default defineCmdlet({
  name: 'ConvertFrom-StringData',
  synopsis: 'Turns lines of name=value pairs into a hashtable.',
  description:
    'Each line holds one pair, split at the first delimiter (= by default); names and values are trimmed, blank lines and lines starting with # are skipped, and backslash escapes in the values are unescaped (\\n, \\t, \\\\). A name given twice is an error.',
  parameters: {
    StringData: { type: 'string', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', description: 'The name=value lines.' },
    Delimiter: { type: 'string', default: '=', description: 'The character between each name and its value.' },
  },
  outputType: { name: 'System.Collections.Hashtable' },
  examples: [{ title: 'Two pairs', code: "$h = ConvertFrom-StringData \"a = 1`nb = two\"; $h.b", output: ['two'] }],
  *process(params, ctx) {
    const table = new Hashtable();
    for (const raw of params.StringData.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const at = line.indexOf(params.Delimiter);
      if (at < 0) throw ctx.error({ id: 'InvalidOperation', category: 'InvalidOperation', message: `Data line '${line}' is not in 'name${params.Delimiter}value' format.`, target: line });
      const name = line.slice(0, at).trim();
      if (table.has(name)) throw ctx.error({ id: 'InvalidOperation', category: 'InvalidOperation', message: `Data item '${name}' in line '${line}' is already defined.`, target: line });
      table.set(name, unescape(line.slice(at + params.Delimiter.length).trim()));
    }
    yield table;
  },
});
