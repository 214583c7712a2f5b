import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import setContent from './Set-Content.js';

const { Append: _append, ...parameters } = setContent.parameters;

/** Set-Content -Append under PowerShell's own name for it. */
export default defineCmdlet({
  ...setContent,
  name: 'Add-Content',
  aliases: ['ac'],
  synopsis: 'Adds values to the end of a text file, one per line (the file is created if missing).',
  parameters,
  examples: [{ title: 'Add a line', code: "Set-Content -Path z.txt -Value 'a'; Add-Content z.txt 'b'; Get-Content z.txt", output: ['a', 'b'] }],
  end(params, ctx) {
    return setContent.end!.call(setContent, { ...params, Append: true }, ctx as never);
  },
});
