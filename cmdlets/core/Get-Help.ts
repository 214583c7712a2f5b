import { renderHelp } from '../../src/format/help.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CmdletDeclaration } from '../../src/runtime/cmdlet.js';
import { scriptDeclaration } from '../../src/runtime/commenthelp.js';
import { didYouMean } from '../../src/runtime/suggest.js';
import { SHOWN_AS_TEXT } from '../../src/runtime/values.js';

/** What Get-Help outputs: shown as the help text; `.Name`, `.Synopsis`, `.Description` for scripts (PowerShell's help object). */
class HelpInfo {
  readonly [SHOWN_AS_TEXT] = true;
  readonly Name: string;
  readonly Synopsis: string;
  readonly Description: string;
  constructor(
    decl: CmdletDeclaration,
    private readonly text: string,
  ) {
    this.Name = decl.name;
    this.Synopsis = decl.synopsis;
    this.Description = decl.description ?? '';
  }
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

export default defineCmdlet({
  name: 'Get-Help',
  aliases: ['help', 'man'],
  synopsis: 'Shows help for a command: synopsis, syntax, parameters and examples.',
  description:
    "Help is generated from the command's declaration, for functions from their param() block and comment-based help (.SYNOPSIS, .DESCRIPTION, .PARAMETER, .EXAMPLE). -Full adds every parameter's details; -Examples shows only the examples; -Parameter shows one parameter. The output is shown as text and has Name, Synopsis and Description properties.",
  parameters: {
    Name: { type: 'string', position: 0, description: 'The command (or alias). Without it, lists the commands.' },
    Full: { type: 'switch', sets: ['Full'], description: 'All the details, including each parameter\'s type, position, pipeline input and allowed values.' },
    Examples: { type: 'switch', sets: ['Examples'], description: 'Only the examples.' },
    Parameter: { type: 'string', sets: ['Parameter'], description: 'Only this parameter (a prefix is enough).' },
  },
  outputType: FORMATTED_TEXT,
  examples: [
    { title: 'Help for a cmdlet', code: 'Get-Help Where-Object', outputMatches: /SYNOPSIS\s+Keeps the pipeline objects/ },
    { title: 'Full parameter details', code: 'Get-Help Select-Object -Full', outputMatches: /-First <int>[\s\S]*Required\?\s+false/ },
    { title: 'Examples only', code: 'Get-Help sort -Examples', outputMatches: /Example 1/ },
  ],
  async *process(params, ctx) {
    const commands = ctx.listCommands();
    if (!params.Name) {
      const lines = ['Commands (Get-Help <name> for details, Get-Command to list with wildcards):', ''];
      const width = Math.max(...commands.map((c) => c.name.length));
      for (const c of commands) lines.push(`  ${c.name.padEnd(width)}  ${(await c.brief()).synopsis}`);
      yield lines.join('\n');
      return;
    }
    const wanted = params.Name.toLowerCase();
    const command = commands.find((c) => c.name.toLowerCase() === wanted || c.aliases.some((a) => a.toLowerCase() === wanted));
    // A script file (`Get-Help ./deploy.mcs`): its param() block and comment-based help.
    if (!command && (/[\\/]/.test(params.Name) || /\.mcs$/i.test(params.Name))) {
      const path = ctx.resolvePath(params.Name);
      const source = await readFile(path, 'utf8').catch(() => null);
      if (source !== null) {
        const { parseScript } = await import('../../src/language/index.js');
        const script = parseScript(source, path);
        const decl = scriptDeclaration(basename(path), script.params, source, script.span);
        yield new HelpInfo(decl, renderHelp(decl, { full: params.Full, examplesOnly: params.Examples, parameter: params.Parameter }));
        return;
      }
    }
    if (!command) {
      throw ctx.error({
        id: 'HelpNotFound',
        category: 'ObjectNotFound',
        message: `No help for '${params.Name}': there is no such command.${didYouMean(params.Name, commands.flatMap((c) => [c.name, ...c.aliases]))}`,
        target: params.Name,
      });
    }
    const decl = await command.load();
    yield new HelpInfo(decl, renderHelp(decl, { full: params.Full, examplesOnly: params.Examples, parameter: params.Parameter }));
  },
});
