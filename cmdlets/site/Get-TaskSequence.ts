import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeTaskSequences, engine, selectByName } from '../engine.js';
import { taskSequenceObject, TASK_SEQUENCE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-TaskSequence',
  synopsis: 'Lists task sequences and their steps.',
  description: '-Name filters by name or id and accepts wildcards.',
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], complete: completeTaskSequences, description: 'Name or id (wildcards allowed).' },
  },
  outputType: { name: 'TaskSequence', view: TASK_SEQUENCE_VIEW },
  examples: [
    {
      title: 'All task sequences',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; Get-TaskSequence | Select-Object Id, Name, StepCount",
      output: [{ Id: 'TS00001', Name: 'Lab', StepCount: 1 }],
    },
  ],
  async *process(params, ctx) {
    const sequences = await engine(ctx, (store) => {
      const site = store.read();
      return selectByName(ctx, params.Name, site.taskSequences, (t) => [t.name, t.id], { id: 'TaskSequenceNotFound', what: 'a task sequence with the name or id' }).map((sequence) => taskSequenceObject(site, sequence));
    });
    yield* sequences ?? [];
  },
});
