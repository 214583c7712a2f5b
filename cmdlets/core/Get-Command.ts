import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { compareStrings } from '../../src/runtime/operators.js';
import { didYouMean } from '../../src/runtime/suggest.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

export default defineCmdlet({
  name: 'Get-Command',
  aliases: ['gcm'],
  synopsis: 'Lists the commands: cmdlets and functions, by name, verb or noun (wildcards allowed).',
  parameters: {
    Name: { type: 'string[]', position: 0, description: 'Command names or aliases; wildcards allowed.' },
    Verb: { type: 'string[]', description: 'Only commands with these verbs (Get, Set, …); wildcards allowed.' },
    Noun: { type: 'string[]', description: 'Only commands with these nouns; wildcards allowed.' },
  },
  outputType: {
    name: 'CommandInfo',
    view: { properties: ['CommandType', 'Name', 'Synopsis'] },
    description: 'Name, CommandType, Verb, Noun, Aliases, Synopsis, Parameters.',
  },
  examples: [
    { title: 'Commands by verb and noun', code: "Get-Command -Verb Get -Noun Dat* | ForEach-Object Name", output: ['Get-Date'] },
    { title: 'By alias', code: 'Get-Command where | ForEach-Object Name', output: ['Where-Object'] },
    { title: 'How many core cmdlets', code: "(Get-Command *-Object).Count -ge 6", output: [true] },
  ],
  async *process(params, ctx) {
    const commands = ctx.listCommands();
    const any = (patterns: string[] | undefined, value: string) => !patterns || patterns.some((p) => matchesWildcard(value, p));
    const matched = new Set<string>();
    const selected: { command: (typeof commands)[number]; verb: string; noun: string }[] = [];
    for (const command of commands) {
      const [verb = '', noun = ''] = command.name.includes('-') ? [command.name.slice(0, command.name.indexOf('-')), command.name.slice(command.name.indexOf('-') + 1)] : [];
      if (!any(params.Verb, verb) || !any(params.Noun, noun)) continue;
      const names = params.Name;
      if (names) {
        const hit = names.filter((n) => [command.name, ...command.aliases].some((c) => matchesWildcard(c, n)));
        if (hit.length === 0) continue;
        hit.forEach((h) => matched.add(h.toLowerCase()));
      }
      selected.push({ command, verb, noun });
    }
    // Together: without the build's manifest the cmdlets are imported, and the loader overlaps their reads.
    const briefs = await Promise.all(selected.map(({ command }) => command.brief()));
    const results: Record<string, unknown>[] = selected.map(({ command, verb, noun }, i) => ({
      Name: command.name,
      CommandType: command.kind,
      Verb: verb,
      Noun: noun,
      Aliases: [...command.aliases],
      Synopsis: briefs[i]!.synopsis,
      Parameters: [...briefs[i]!.parameters],
    }));
    for (const name of params.Name ?? []) {
      if (!isWildcard(name) && !matched.has(name.toLowerCase())) {
        const known = commands.flatMap((c) => [c.name, ...c.aliases]);
        ctx.writeError({ id: 'CommandNotFound', category: 'ObjectNotFound', message: `The term '${name}' is not recognized as a cmdlet or function.${didYouMean(name, known)}`, target: name });
      }
    }
    yield* results.sort((a, b) => compareStrings(String(a['Name']), String(b['Name']), true));
  },
});
