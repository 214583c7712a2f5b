import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { NO_METHOD, construct } from '../../src/runtime/dotnet.js';
import { cast } from '../../src/runtime/types.js';
import { isPlainObject, setMember, toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'New-Object',
  synopsis: 'Creates an object of a .NET type mcshell implements (ArrayList, List[T], StringBuilder, DateTime, TimeSpan, Guid, exceptions) or a PSCustomObject.',
  description:
    '`New-Object PSObject -Property @{…}` (or PSCustomObject) makes a custom object from a hashtable. Other types take constructor arguments with -ArgumentList; -Property then sets properties on the new object. The types are those `[type]::new()` knows; others are an error.',
  parameters: {
    TypeName: { type: 'string', position: 0, mandatory: true, description: 'The type: System.Collections.ArrayList, System.Collections.Generic.List[string], System.Text.StringBuilder, DateTime, TimeSpan, Guid, System.Exception …, PSObject.' },
    ArgumentList: { type: 'object[]', position: 1, aliases: ['Args'], description: "The constructor's arguments." },
    Property: { type: 'hashtable', description: 'Properties to set on the new object (for PSObject: its properties).' },
  },
  examples: [
    { title: 'A list that grows', code: '$list = New-Object System.Collections.ArrayList; [void]$list.Add(1); [void]$list.Add(2); $list.Count', output: [2] },
    { title: 'A custom object from a hashtable', code: "(New-Object PSObject -Property @{ Name = 'web' }).Name", output: ['web'] },
    { title: 'A date', code: "(New-Object DateTime 2024, 5, 31).DayOfWeek", output: ['Friday'] },
    { title: 'A type mcshell does not have', code: 'New-Object System.Windows.Forms.Form', error: 'TypeNotFound' },
  ],
  *process(params, ctx) {
    const args = params.ArgumentList ?? [];
    let created = construct(params.TypeName, [...args], cast);
    if (created === NO_METHOD) {
      throw ctx.error({
        id: 'TypeNotFound',
        category: 'InvalidType',
        message: `Cannot find type [${params.TypeName}]: verify that the assembly containing this type is loaded.`,
        target: params.TypeName,
        hint: 'mcshell implements ArrayList, Generic.List[T], Text.StringBuilder, DateTime, TimeSpan, Guid, the common exceptions and PSObject.',
      });
    }
    if (params.Property) {
      if (isPlainObject(created)) created = Object.fromEntries(params.Property.entries().map(([k, v]) => [toStr(k), v]));
      else for (const [k, v] of params.Property.entries()) setMember(created, toStr(k), v);
    }
    yield created;
  },
});
