import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { SecureString } from '../../src/runtime/dotnet.js';
import { toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Read-Host',
  synopsis: 'Reads a line typed by the user (or piped to the shell); -AsSecureString hides what is typed.',
  description:
    'The prompt is written with ": " after it, to stderr. With -AsSecureString the characters typed on a terminal show as *, and the result is a SecureString whose text is not shown (convert it with [System.Net.NetworkCredential]::new(\'\', $s).Password). With no input left to read, the command fails with ReadHostNoInput.',
  parameters: {
    Prompt: { type: 'object', position: 0, remaining: true, description: 'The prompt text.' },
    AsSecureString: { type: 'switch', description: 'Masks the input and returns a SecureString.' },
    MaskInput: { type: 'switch', description: 'Masks the input and returns it as a string.' },
  },
  examples: [{ title: 'Nothing to read', code: "Read-Host 'Name'", error: 'ReadHostNoInput' }],
  async *process(params, ctx) {
    const prompt = params.Prompt === undefined || params.Prompt === null ? '' : `${[params.Prompt].flat().map(toStr).join(' ')}: `;
    const mask = params.AsSecureString || params.MaskInput;
    const line = await ctx.readLine(prompt, { mask });
    if (line === null) throw ctx.error({ id: 'ReadHostNoInput', category: 'ReadError', message: 'Read-Host has no input to read: the input ended or there is none.', hint: 'Pipe the answer in, or run the command on a terminal.' });
    yield params.AsSecureString ? new SecureString(line) : line;
  },
});
