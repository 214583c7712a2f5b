import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { ITEM_OUTPUT, eachItem, itemOf, itemPathParameters } from '../filesystem.js';

export default defineCmdlet({
  name: 'Get-Item',
  aliases: ['gi'],
  synopsis: 'Gets the file or directory at a path (its object: Name, FullName, Length, LastWriteTime, Mode …).',
  description: 'Paths are relative to the location and may hold wildcards (hidden items match with -Force). A path that names nothing is an error.',
  parameters: {
    ...itemPathParameters('The items to get'),
    Force: { type: 'switch', description: 'Wildcards match hidden items too.' },
  },
  defaultParameterSet: 'Path',
  outputType: ITEM_OUTPUT,
  examples: [
    { title: 'A directory', code: "New-Item -ItemType Directory d | Out-Null; $d = Get-Item d; $d.Name; $d.PSIsContainer", output: ['d', true] },
    { title: 'A file that is not there', code: 'Get-Item missing.txt', error: 'PathNotFound' },
  ],
  async *process(params, ctx) {
    for await (const path of eachItem(ctx, params, params.Force)) yield await itemOf(path);
  },
});
