import { renderText, cmdletTextOptions } from '../../src/format/text.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Out-String',
  synopsis: 'Renders objects as the text the shell would show, as one string (or one string per line with -Stream).',
  parameters: {
    Stream: { type: 'switch', description: 'Outputs each line as its own string.' },
    Width: { type: 'int', validate: { range: [10, 10000] }, description: 'Line width for tables and lists (default: the terminal width).' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to render.' },
  },
  outputType: FORMATTED_TEXT,
  examples: [
    { title: 'Numbers as text', code: '1, 2 | Out-String', output: ['1\n2\n'] },
    { title: 'One string per line', code: "[pscustomobject]@{A=1} | Out-String -Stream", output: ['A', '-', '1'] },
  ],
  state: () => ({ items: [] as unknown[] }),
  process(params, ctx) {
    if (ctx.expectingInput || params.InputObject !== undefined) ctx.state.items.push(params.InputObject);
  },
  *end(params, ctx) {
    const lines = renderText(ctx.state.items, cmdletTextOptions(ctx, params.Width));
    if (params.Stream) yield* lines;
    else yield lines.length ? `${lines.join('\n')}\n` : '';
  },
});
