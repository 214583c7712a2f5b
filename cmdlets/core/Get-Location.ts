import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { PathInfo } from '../filesystem.js';

export default defineCmdlet({
  name: 'Get-Location',
  aliases: ['gl', 'pwd'],
  synopsis: "Outputs the shell's current location (a PathInfo: `.Path`, the path itself in text).",
  description: 'Relative paths in every cmdlet resolve against this location; Set-Location (cd) moves it. $PWD holds it too.',
  parameters: {},
  outputType: { name: 'System.Management.Automation.PathInfo', view: { properties: ['Path'] } },
  examples: [
    { title: 'The location is $PWD', code: '(Get-Location).Path -eq $PWD', output: [true] },
    { title: 'In a string, the path', code: 'Set-Location /; "at $(Get-Location)"', output: ['at /'] },
  ],
  *process(_params, ctx) {
    yield new PathInfo(ctx.location);
  },
});
