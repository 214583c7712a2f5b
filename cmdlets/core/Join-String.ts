import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { ScriptBlock } from '../../src/runtime/scriptblock.js';
import { formatOperator } from '../../src/runtime/textformat.js';
import { getMember, toStr, unwrap } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Join-String',
  synopsis: 'Joins the pipeline objects (or a property of each) into one string, with a separator, quotes, a prefix and a suffix.',
  parameters: {
    Property: { type: 'object', position: 0, description: 'A property name or script block giving the text of each object (default: the object).' },
    Separator: { type: 'string', position: 1, allowEmptyString: true, description: 'Text between the items (default: $OFS, none when it is not set).' },
    OutputPrefix: { type: 'string', aliases: ['op'], description: 'Text before the result.' },
    OutputSuffix: { type: 'string', aliases: ['os'], description: 'Text after the result.' },
    SingleQuote: { type: 'switch', description: "Wraps each item in single quotes." },
    DoubleQuote: { type: 'switch', description: 'Wraps each item in double quotes.' },
    FormatString: { type: 'string', description: 'A -f format for each item, such as "[{0}]".' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to join.' },
  },
  outputType: { name: 'System.String' },
  examples: [
    { title: 'With a separator', code: "1..3 | Join-String -Separator ', '", output: ['1, 2, 3'] },
    { title: 'A property, quoted, with a prefix', code: "[pscustomobject]@{N='a'}, [pscustomobject]@{N='b'} | Join-String N -SingleQuote -Separator ',' -OutputPrefix 'names: '", output: ["names: 'a','b'"] },
  ],
  state: () => ({ parts: [] as string[] }),
  async process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    const item = params.InputObject;
    const property = params.Property;
    let value: unknown = item;
    if (property instanceof ScriptBlock) value = unwrap(await ctx.invokeCollect(property, { input: item, dotSource: true }));
    else if (property !== undefined && property !== null) value = getMember(item, toStr(property));
    let text = params.FormatString !== undefined ? formatOperator(params.FormatString, [value]) : toStr(value);
    if (params.SingleQuote) text = `'${text}'`;
    else if (params.DoubleQuote) text = `"${text}"`;
    ctx.state.parts.push(text);
  },
  *end(params, ctx) {
    yield `${params.OutputPrefix ?? ''}${ctx.state.parts.join(params.Separator ?? toStr(ctx.getVariable('OFS') ?? ''))}${params.OutputSuffix ?? ''}`;
  },
});
