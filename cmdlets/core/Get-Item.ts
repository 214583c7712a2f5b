import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { getEnvironment, onDrive } from '../../src/runtime/drives.js';
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
    // env:NAME and variable:name name an environment variable or a shell variable (about_Environment_Provider, about_Variable_Provider).
    const drives = (params.Path ?? params.LiteralPath ?? []).map(onDrive);
    if (drives.length > 0 && drives.every((d) => d !== null)) {
      for (const d of drives) {
        const { drive, name } = d!;
        const variable = drive === 'variable' ? ctx.listVariables().find((v) => v.name.toLowerCase() === name.toLowerCase()) : undefined;
        const value = drive === 'env' ? getEnvironment(name) : variable?.value;
        if (drive === 'env' ? value !== null : variable) yield { Name: variable?.name ?? name, Value: value };
        else ctx.writeError({ id: 'PathNotFound', category: 'ObjectNotFound', message: `Cannot find path '${drive}:${name}' because it does not exist.`, target: `${drive}:${name}` });
      }
      return;
    }
    for await (const path of eachItem(ctx, params, params.Force)) yield await itemOf(path);
  },
});
