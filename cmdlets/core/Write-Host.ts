import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Write-Host',
  synopsis: 'Writes text for the user, not to the pipeline.',
  description: 'The text goes to the terminal (stdout with --output text, stderr with JSON or CSV output so machine-readable output stays clean); it is not pipeline output.',
  parameters: {
    Object: { type: 'object[]', position: 0, remaining: true, pipeline: 'value', description: 'What to write (arrays are joined with -Separator).' },
    NoNewline: { type: 'switch', description: 'Does not end the line.' },
    Separator: { type: 'string', default: ' ', description: 'Between the values.' },
    ForegroundColor: {
      type: 'enum',
      values: ['Black', 'DarkBlue', 'DarkGreen', 'DarkCyan', 'DarkRed', 'DarkMagenta', 'DarkYellow', 'Gray', 'DarkGray', 'Blue', 'Green', 'Cyan', 'Red', 'Magenta', 'Yellow', 'White'],
      description: 'Accepted for compatibility (the shell does not colour Write-Host text).',
    },
  },
  examples: [{ title: 'Nothing reaches the pipeline', code: "(Write-Host 'hello' | Measure-Object).Count", output: [0] }],
  process(params, ctx) {
    const values = (params.Object ?? []).flatMap((v) => (Array.isArray(v) ? v : [v]));
    ctx.writeHost(values.map(toStr).join(params.Separator), { noNewline: params.NoNewline });
  },
});
