import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { fullTypeName, membersOf } from '../../src/runtime/typeinfo.js';
import { withTypeName } from '../../src/runtime/values.js';
import { matchesWildcard } from '../../src/runtime/wildcard.js';

const MEMBER_TYPES = ['AliasProperty', 'Property', 'NoteProperty', 'ParameterizedProperty', 'Method', 'Properties', 'Methods', 'All'] as const;

/** Whether a member's type is among the requested ones (`Properties` and `Methods` are PowerShell's groups). */
function wanted(memberType: string, requested: readonly string[] | undefined): boolean {
  if (!requested || requested.includes('All')) return true;
  if (requested.includes('Properties') && memberType.endsWith('Property')) return true;
  if (requested.includes('Methods') && memberType === 'Method') return true;
  return requested.includes(memberType);
}

export default defineCmdlet({
  name: 'Get-Member',
  aliases: ['gm'],
  synopsis: 'Lists the properties and methods of objects, once for each type that comes through the pipeline.',
  description:
    'Each member is a MemberDefinition (TypeName, Name, MemberType, Definition), sorted as PowerShell sorts them: by member type, then name. Piped collections are looked at element by element; -InputObject looks at the collection itself. The methods listed are those mcshell implements.',
  parameters: {
    InputObject: { type: 'object', pipeline: 'value', description: 'The object to look at (piped objects are looked at one by one).' },
    Name: { type: 'string[]', position: 0, description: 'Only members whose names match these wildcards.' },
    MemberType: { type: 'enum[]', values: MEMBER_TYPES, aliases: ['Type'], description: 'Only members of these kinds.' },
    Force: { type: 'switch', description: 'Accepted for compatibility: every member mcshell knows is always listed.' },
  },
  outputType: { name: 'Microsoft.PowerShell.Commands.MemberDefinition', view: { properties: ['Name', 'MemberType', 'Definition'] } },
  examples: [
    { title: 'The properties of a custom object', code: "[pscustomobject]@{ Name = 'web'; Size = 300 } | Get-Member -MemberType NoteProperty | ForEach-Object Definition", output: ['string Name=web', 'int Size=300'] },
    { title: 'One listing per type', code: "1, 'a', 2 | Get-Member -Name GetType | ForEach-Object TypeName", output: ['System.Int32', 'System.String'] },
    { title: 'Nothing to look at', code: 'Get-Member', error: 'NoObjectInGetMember' },
  ],
  state: () => ({ seen: new Set<string>() }),
  *process(params, ctx) {
    if (!ctx.boundParameters.has('InputObject') && !ctx.expectingInput) return;
    const value = params.InputObject;
    if (value === null || value === undefined) return;
    const typeName = fullTypeName(value);
    if (ctx.state.seen.has(typeName)) return;
    ctx.state.seen.add(typeName);
    for (const member of membersOf(value)) {
      if (!wanted(member.MemberType, params.MemberType)) continue;
      if (params.Name && !params.Name.some((n) => matchesWildcard(member.Name, n))) continue;
      yield withTypeName({ TypeName: typeName, Name: member.Name, MemberType: member.MemberType, Definition: member.Definition }, 'Microsoft.PowerShell.Commands.MemberDefinition');
    }
  },
  end(_params, ctx) {
    if (ctx.state.seen.size === 0) {
      // GetMemberCommand's NoObjectInGetMember (category CloseError in PowerShell).
      ctx.writeError({ id: 'NoObjectInGetMember', category: 'InvalidArgument', message: 'You must specify an object for the Get-Member cmdlet.' });
    }
  },
});
