import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { callMethod } from '../../src/runtime/types.js';
import { ConversionError, getMember, hasProperty } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'ForEach-Object',
  aliases: ['foreach', '%'],
  synopsis: 'Runs a script block (or gets a property / calls a method) for each pipeline object.',
  description:
    'Runs -Process for each object with $_ set to it; -Begin before the first and -End after the last. Given two script blocks they are -Begin and -Process, given three -Begin, -Process and -End. `ForEach-Object Name` gets each object\'s Name property; `ForEach-Object ToUpper` calls the method.',
  defaultParameterSet: 'ScriptBlock',
  parameters: {
    Process: { type: 'scriptblock[]', position: 0, remaining: true, mandatory: true, sets: ['ScriptBlock'], description: 'The script block run for each object.' },
    Begin: { type: 'scriptblock', sets: ['ScriptBlock'], description: 'Runs once before the first object.' },
    End: { type: 'scriptblock', sets: ['ScriptBlock'], description: 'Runs once after the last object.' },
    MemberName: { type: 'string', position: 0, mandatory: true, sets: ['Member'], description: 'A property to get or a method to call on each object.' },
    ArgumentList: { type: 'object[]', sets: ['Member'], description: 'Arguments for the method named by -MemberName.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to process.' },
  },
  examples: [
    { title: 'Square each number', code: '1..3 | ForEach-Object { $_ * $_ }', output: [1, 4, 9] },
    { title: 'Begin, process and end', code: '1..4 | ForEach-Object -Begin { $sum = 0 } -Process { $sum += $_ } -End { $sum }', output: [10] },
    { title: 'A property of each object', code: "[pscustomobject]@{Name='x'}, [pscustomobject]@{Name='y'} | ForEach-Object Name", output: ['x', 'y'] },
    { title: 'A method of each object', code: "'a', 'b' | ForEach-Object ToUpper", output: ['A', 'B'] },
  ],
  async *begin(params, ctx) {
    const blocks = params.Process ?? [];
    const begin = params.Begin ?? (blocks.length >= 2 ? blocks[0] : undefined);
    if (begin) yield* ctx.invoke(begin, { dotSource: true });
  },
  async *process(params, ctx) {
    const item = params.InputObject;
    if (params.MemberName !== undefined) {
      const name = params.MemberName;
      if (hasProperty(item, name) || (params.ArgumentList === undefined && getMember(item, name) !== null)) {
        yield getMember(item, name);
        return;
      }
      try {
        yield callMethod(item, name, params.ArgumentList ?? []);
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        ctx.writeError({ id: 'MethodInvocationFailed', category: 'InvalidOperation', message: e.message, target: item });
      }
      return;
    }
    const blocks = params.Process ?? [];
    const process = blocks.length >= 2 ? blocks[1] : blocks[0];
    if (process) yield* ctx.invoke(process, { input: item, dotSource: true });
  },
  async *end(params, ctx) {
    const blocks = params.Process ?? [];
    const end = params.End ?? (blocks.length >= 3 ? blocks[2] : undefined);
    if (end) yield* ctx.invoke(end, { dotSource: true });
  },
});
