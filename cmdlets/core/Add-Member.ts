import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { addScriptMethod, hasScriptMethod } from '../../src/runtime/intrinsics.js';
import { ScriptBlock } from '../../src/runtime/scriptblock.js';
import { Hashtable, findKey, getMember, isPlainObject, toStr, withTypeName } from '../../src/runtime/values.js';

const MEMBER_TYPES = ['NoteProperty', 'AliasProperty', 'ScriptMethod', 'ScriptProperty'] as const;

function memberTypeOf(value: unknown): (typeof MEMBER_TYPES)[number] | undefined {
  const text = toStr(value).toLowerCase();
  return MEMBER_TYPES.find((t) => t.toLowerCase() === text);
}

const memberExists = (name: string) => ({
  id: 'MemberAlreadyExists',
  category: 'InvalidOperation' as const,
  message: `Cannot add a member with the name "${name}" because a member with that name already exists. To overwrite the member anyway, add the Force parameter to your command.`,
  target: name,
});

export default defineCmdlet({
  name: 'Add-Member',
  synopsis: 'Adds members to a custom object: note properties (a value), alias properties (another name for a property) and script methods.',
  description:
    'mcshell adds members to custom objects ([pscustomobject], New-Object PSObject, Select-Object and cmdlet output), not to strings, numbers or hashtables, and implements NoteProperty, AliasProperty and ScriptMethod (not ScriptProperty). A hashtable given where the member type goes adds its keys as note properties. A member that exists is an error unless -Force.',
  parameters: {
    InputObject: { type: 'object', mandatory: true, pipeline: 'value', description: 'The object to add to.' },
    // An object, not an enum: a hashtable in this position is -NotePropertyMembers (PowerShell tells them apart by parameter set).
    MemberType: { type: 'object', position: 0, aliases: ['Type'], description: 'The kind of member: NoteProperty, AliasProperty or ScriptMethod.', sets: ['TypeNameSet'] },
    // An object: written positionally after a name that is no member type, it is the note property's value (`Add-Member Size 3`).
    Name: { type: 'object', position: 1, description: 'The member name.', sets: ['TypeNameSet'] },
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
    { title: 'A script method', code: "$o = [pscustomobject]@{ n = 2 }; $o | Add-Member -MemberType ScriptMethod -Name Double -Value { $this.n * 2 }; $o.Double()", output: [4] },
    { title: 'A member that exists', code: "[pscustomobject]@{ A = 1 } | Add-Member -MemberType NoteProperty -Name A -Value 2", error: 'MemberAlreadyExists' },
  ],
  *process(params, ctx) {
    const target = params.InputObject;
    if (!isPlainObject(target)) {
      throw ctx.error({ id: 'NotSupported', category: 'InvalidArgument', message: 'mcshell adds members only to custom objects ([pscustomobject]).', target, hint: 'Make one first: [pscustomobject]@{ … } or Select-Object.' });
    }
    const members: [string, unknown, 'note' | 'alias' | 'method'][] = [];
    const noteMembers = params.NotePropertyMembers ?? (params.MemberType instanceof Hashtable ? params.MemberType : undefined);
    const memberType = noteMembers ? undefined : memberTypeOf(params.MemberType);
    if (noteMembers) for (const [k, v] of noteMembers.entries()) members.push([toStr(k), v, 'note']);
    else if (params.NotePropertyName !== undefined) members.push([params.NotePropertyName, params.NotePropertyValue ?? null, 'note']);
    else if (!memberType && typeof params.MemberType === 'string' && params.Value === undefined) members.push([params.MemberType, params.Name ?? null, 'note']);
    else if (memberType === 'ScriptProperty') {
      throw ctx.error({ id: 'NotSupported', category: 'NotImplemented', message: 'mcshell does not implement ScriptProperty members; add a ScriptMethod, or a NoteProperty with the value.', target: memberType });
    } else if (memberType) {
      if (params.Name === undefined) throw ctx.error({ id: 'ArgumentNull', category: 'InvalidArgument', message: 'Add-Member needs -Name for the new member.' });
      if (memberType === 'ScriptMethod' && !(params.Value instanceof ScriptBlock)) throw ctx.error({ id: 'InvalidArgument', category: 'InvalidArgument', message: 'A ScriptMethod needs a script block as -Value.' });
      members.push([toStr(params.Name), params.Value ?? null, memberType === 'NoteProperty' ? 'note' : memberType === 'AliasProperty' ? 'alias' : 'method']);
    } else if (params.MemberType !== undefined) {
      throw ctx.error({ id: 'InvalidArgument', category: 'InvalidArgument', message: `'${toStr(params.MemberType)}' is not a member type mcshell adds: use ${MEMBER_TYPES.join(', ')}.`, target: params.MemberType });
    }
    for (const [name, value, kind] of members) {
      if (kind === 'method') {
        if (hasScriptMethod(target, name) && !params.Force) throw ctx.error(memberExists(name));
        addScriptMethod(target, name, value as ScriptBlock);
        continue;
      }
      const existing = findKey(target, name);
      if (existing !== undefined && !params.Force) {
        throw ctx.error(memberExists(name));
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
