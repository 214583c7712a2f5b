import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Invoke-Command',
  aliases: ['icm'],
  synopsis: 'Runs a script block here, with arguments ($args or its param block), in a new scope unless -NoNewScope.',
  description: 'Only local script blocks: mcshell has no remoting, so -ComputerName and -Session are not parameters. Piped objects reach the block as $_ , once per object.',
  parameters: {
    ScriptBlock: { type: 'scriptblock', position: 0, mandatory: true, aliases: ['Command'], description: 'The code to run.' },
    ArgumentList: { type: 'object[]', aliases: ['Args'], description: "The block's arguments ($args, or its param() block)." },
    InputObject: { type: 'object', pipeline: 'value', description: 'Objects for the block, as $_.' },
    NoNewScope: { type: 'switch', description: 'Runs in the current scope: variables it sets stay set.' },
  },
  examples: [
    { title: 'With arguments', code: 'Invoke-Command -ScriptBlock { param($a, $b) $a + $b } -ArgumentList 2, 3', output: [5] },
    { title: 'In the current scope', code: 'Invoke-Command { $y = 7 } -NoNewScope; $y', output: [7] },
  ],
  async *process(params, ctx) {
    const options = { args: params.ArgumentList ?? [], dotSource: params.NoNewScope };
    yield* ctx.invoke(params.ScriptBlock, ctx.expectingInput ? { ...options, input: params.InputObject } : options);
  },
});
