import type { ScriptBlockExpression } from '../../src/language/ast.js';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Invoke-Expression',
  aliases: ['iex'],
  synopsis: 'Runs a string as mcshell code in the current scope and outputs what it outputs.',
  description: 'Variables the code sets stay set afterwards, as in PowerShell. Never pass it text from an untrusted source: it runs whatever the text says.',
  parameters: {
    Command: { type: 'string', position: 0, mandatory: true, pipeline: 'value', description: 'The code to run.' },
  },
  examples: [
    { title: 'Code in a string', code: "Invoke-Expression '1 + 2'", output: [3] },
    { title: 'Runs in the current scope', code: "iex '$x = 5'; $x * 2", output: [10] },
    { title: 'Code that does not parse', code: "Invoke-Expression '1 +'", error: 'ParseException' },
  ],
  async *process(params, ctx) {
    const { parseScript, ScriptSyntaxError } = await import('../../src/language/index.js');
    let node: ScriptBlockExpression;
    try {
      const script = parseScript(params.Command, '<Invoke-Expression>');
      node = { kind: 'ScriptBlock', params: script.params, body: script.body, text: params.Command, span: script.span };
    } catch (e) {
      if (!(e instanceof ScriptSyntaxError)) throw e;
      throw ctx.error({ id: 'ParseException', category: 'ParserError', message: e.message, target: params.Command });
    }
    yield* ctx.invoke(ctx.bindScriptBlock(node), { dotSource: true });
  },
});
