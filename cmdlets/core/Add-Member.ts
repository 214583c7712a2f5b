import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { findKey, getMember, isPlainObject, toStr, withTypeName } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Add-Member',
  synopsis: 'Adds properties to a custom object: note properties (a value) or alias properties (another name for a property).',
  description:
    'mcshell adds members to custom objects ([pscustomobject], Select-Object and cmdlet output), not to strings, numbers or hashtables, and implements NoteProperty and AliasProperty (PowerShell also has ScriptProperty and ScriptMethod). A member that exists is an error unless -Force.',
  parameters: {
    InputObject: { type: 'object', mandatory: true, pipeline: 'value', description: 'The object to add to.' },
    MemberType: { type: 'enum', position: 0, values: ['NoteProperty', 'AliasProperty', 'ScriptProperty', 'ScriptMethod'], aliases: ['Type'], description: 'The kind of member.', sets: ['TypeNameSet'] },
    Name: { type: 'string', position: 1, description: 'The member name.', sets: ['TypeNameSet'] },
    Value: { type: 'object', position: 2, description: 'A note property\'s value; an alias property\'s target property name.', sets: ['TypeNameSet'] },
    NotePropertyName: { type: 'string', position: 0, description: 'The name of a note property to add.', sets: ['NotePropertySingle'] },
    NotePropertyValue: { type: 'object', position: 1, allowNull: true, description: 'Its value.', sets: ['NotePropertySingle'] },
    NotePropertyMembers: { type: 'hashtable', position: 0, description: 'Several note properties at once: names and values.', sets: ['NotePropertyMultiple'] },
    TypeName: { type: 'string', description: 'A type name for the object (used to pick its view).' },
    Force: { type: 'switch', description: 'Replaces a member that exists.' },
    PassThru: { type: 'switch', description: 'Outputs the object.' },
  },
  defaultParameterSet: 'TypeNameSet',
  examples: [
    { title: 'A note property', code: "$o = [pscustomobject]@{ Name = 'web' }; $o | Add-Member -NotePropertyName Size -NotePropertyValue 300; $o.Size", output: [300] },
    { title: 'Several, passed on', code: "([pscustomobject]@{} | Add-Member -NotePropertyMembers @{ A = 1; B = 2 } -PassThru).B", output: [2] },
    { title: 'An alias for a property', code: "$o = [pscustomobject]@{ Name = 'web' }; Add-Member -InputObject $o -MemberType AliasProperty -Name Host -Value Name; $o.Host", output: ['web'] },
    { title: 'A member that exists', code: "[pscustomobject]@{ A = 1 } | Add-Member -MemberType NoteProperty -Name A -Value 2", error: 'MemberAlreadyExists' },
  ],
  *process(params, ctx) {
    const target = params.InputObject;
    if (!isPlainObject(target)) {
      throw ctx.error({ id: 'NotSupported', category: 'InvalidArgument', message: 'mcshell adds members only to custom objects ([pscustomobject]).', target, hint: 'Make one first: [pscustomobject]@{ … } or Select-Object.' });
    }
    const members: [string, unknown, 'note' | 'alias'][] = [];
    if (params.NotePropertyMembers) for (const [k, v] of params.NotePropertyMembers.entries()) members.push([toStr(k), v, 'note']);
    else if (params.NotePropertyName !== undefined) members.push([params.NotePropertyName, params.NotePropertyValue ?? null, 'note']);
    else if (params.MemberType === 'NoteProperty' || params.MemberType === 'AliasProperty') {
      if (params.Name === undefined) throw ctx.error({ id: 'ArgumentNull', category: 'InvalidArgument', message: 'Add-Member needs -Name for the new member.' });
      members.push([params.Name, params.Value ?? null, params.MemberType === 'NoteProperty' ? 'note' : 'alias']);
    } else if (params.MemberType) {
      throw ctx.error({ id: 'NotSupported', category: 'NotImplemented', message: `mcshell does not implement ${params.MemberType} members; add a NoteProperty with the value instead.`, target: params.MemberType });
    }
    for (const [name, value, kind] of members) {
      const existing = findKey(target, name);
      if (existing !== undefined && !params.Force) {
        throw ctx.error({
          id: 'MemberAlreadyExists',
          category: 'InvalidOperation',
          message: `Cannot add a member with the name "${name}" because a member with that name already exists. To overwrite the member anyway, add the Force parameter to your command.`,
          target: name,
        });
      }
      if (existing !== undefined) delete target[existing];
      if (kind === 'note') target[name] = value;
      else {
        const aliased = toStr(value);
        Object.defineProperty(target, name, { get: () => getMember(target, aliased), set: (v) => (target[findKey(target, aliased) ?? aliased] = v), enumerable: true, configurable: true });
      }
    }
    if (params.TypeName) withTypeName(target, params.TypeName);
    if (params.PassThru) yield target;
  },
});
