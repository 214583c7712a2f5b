import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Clear-Host',
  aliases: ['cls', 'clear'],
  synopsis: 'Clears the terminal screen.',
  description: 'In the interactive shell the prompt moves to the top of a clear screen (as Ctrl+L does). When the output is no terminal (a pipe, a file, JSON lines) it does nothing.',
  parameters: {},
  examples: [{ title: 'Outside a terminal it outputs nothing', code: "Clear-Host; 'next'", output: ['next'] }],
  process(_params, ctx) {
    ctx.host.clearScreen?.();
  },
});
