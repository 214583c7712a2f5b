import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

export default defineCmdlet({
  name: 'Get-Alias',
  aliases: ['gal'],
  synopsis: 'Lists the command aliases (ls → Get-ChildItem …), by alias name or by the command they stand for.',
  parameters: {
    Name: { type: 'string[]', position: 0, description: 'Aliases to show (wildcards allowed; default: all).' },
    Definition: { type: 'string[]', description: 'Only aliases of these commands (wildcards allowed).' },
  },
  outputType: { name: 'System.Management.Automation.AliasInfo', view: { properties: ['CommandType', 'DisplayName'] } },
  examples: [
    { title: 'What ls stands for', code: '(Get-Alias ls).Definition', output: ['Get-ChildItem'] },
    { title: 'The aliases of a command', code: 'Get-Alias -Definition Get-Location | ForEach-Object Name', output: ['gl', 'pwd'] },
    { title: 'No such alias', code: 'Get-Alias nothing-here', error: 'ItemNotFoundException' },
  ],
  *process(params, ctx) {
    const aliases = ctx
      .listCommands()
      .flatMap((c) => c.aliases.map((a) => ({ Name: a, Definition: c.name, CommandType: 'Alias', DisplayName: `${a} -> ${c.name}` })))
      .filter((a) => !params.Definition || params.Definition.some((d) => matchesWildcard(a.Definition, d)))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    for (const pattern of params.Name ?? ['*']) {
      const found = aliases.filter((a) => matchesWildcard(a.Name, pattern));
      if (found.length === 0 && !isWildcard(pattern)) {
        ctx.writeError({
          id: 'ItemNotFoundException',
          category: 'ObjectNotFound',
          message: `This command cannot find a matching alias because an alias with the name '${pattern}' does not exist.`,
          target: pattern,
        });
      }
      yield* found;
    }
  },
});
