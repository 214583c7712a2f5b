import { defineCmdlet, type CmdletContext } from '../../src/runtime/cmdlet.js';
import type { ScriptBlock } from '../../src/runtime/scriptblock.js';
import { callMethod } from '../../src/runtime/types.js';
import { ConversionError, getMember, hasProperty } from '../../src/runtime/values.js';

/**
 * Which positional script blocks begin, process and end: one is -Process; two are -Begin and
 * -Process; more are -Begin, the process blocks, and -End (each process block runs per object).
 * With -Begin or -End named, every positional block is a process block.
 */
function roles(params: { Process?: ScriptBlock[]; Begin?: ScriptBlock; End?: ScriptBlock }): { begin?: ScriptBlock; process: ScriptBlock[]; end?: ScriptBlock } {
  const blocks = params.Process ?? [];
  if (params.Begin || params.End || blocks.length === 1) return { begin: params.Begin, process: blocks, end: params.End };
  if (blocks.length === 2) return { begin: blocks[0], process: [blocks[1]!] };
  return { begin: blocks[0], process: blocks.slice(1, -1), end: blocks.at(-1) };
}

/** `ForEach-Object Name`: the property of each object, or the method called. */
async function* member(item: unknown, name: string, args: unknown[] | undefined, ctx: CmdletContext): AsyncGenerator<unknown> {
  if (hasProperty(item, name) || (args === undefined && getMember(item, name) !== null)) {
    yield getMember(item, name);
    return;
  }
  try {
    yield callMethod(item, name, args ?? []);
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    ctx.writeError({ id: 'MethodInvocationFailed', category: 'InvalidOperation', message: e.message, target: item });
  }
}

async function* eachBlock(blocks: ScriptBlock[], item: unknown, ctx: CmdletContext): AsyncGenerator<unknown> {
  for (const block of blocks) yield* ctx.invoke(block, { input: item, dotSource: true });
}

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
    { title: 'Several process blocks between begin and end', code: "1, 2 | ForEach-Object { 'b' } { $_ } { $_ * 10 } { 'e' }", output: ['b', 1, 10, 2, 20, 'e'] },
    { title: 'A method of each object', code: "'a', 'b' | ForEach-Object ToUpper", output: ['A', 'B'] },
  ],
  async *begin(params, ctx) {
    const { begin } = roles(params);
    if (begin) yield* ctx.invoke(begin, { dotSource: true });
  },
  process(params, ctx) {
    if (params.MemberName !== undefined) return member(params.InputObject, params.MemberName, params.ArgumentList, ctx);
    // One block (the usual case) runs without a generator of its own around it: one per object adds up.
    const blocks = roles(params).process;
    return blocks.length === 1 ? ctx.invoke(blocks[0]!, { input: params.InputObject, dotSource: true }) : eachBlock(blocks, params.InputObject, ctx);
  },
  async *end(params, ctx) {
    const { end } = roles(params);
    if (end) yield* ctx.invoke(end, { dotSource: true });
  },
});
