import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { getMember, toStr } from '../../src/runtime/values.js';
import { completeImages, engine } from '../engine.js';
import { taskSequenceObject, TASK_SEQUENCE_VIEW } from '../objects.js';
import type { StepSpec } from '../../src/engine/deploy/task-sequences.js';

export default defineCmdlet({
  name: 'New-TaskSequence',
  synopsis: 'Creates a task sequence: the ordered steps a client runs (apply image, verify, run commands).',
  description:
    "The simple form applies one image to a target (-Image, -Target), verifies it (-Verify) and runs commands (-Command, in order). -Steps gives full control: hashtables with Type = ApplyImage (Image, Target), Verify, or RunCommand (Command). A target may contain {name} or {id}, replaced by the device's name or id (one sequence, a file per machine). Commands run with MCSHELL_TARGET set to the applied target.",
  impact: 'low',
  defaultParameterSet: 'Simple',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'Name of the task sequence.' },
    Image: { type: 'string', mandatory: true, sets: ['Simple'], complete: completeImages, description: 'The image to apply (name or id).' },
    Target: { type: 'string', mandatory: true, sets: ['Simple'], description: 'Where the client writes the image: a block device (/dev/sda) or a file path.' },
    Verify: { type: 'switch', sets: ['Simple'], description: 'Add a step that re-reads the target and checks its SHA-256.' },
    Command: { type: 'string[]', sets: ['Simple'], description: 'Commands to run after the image, in order (sh -c).' },
    Steps: { type: 'object[]', mandatory: true, sets: ['Steps'], description: 'The steps as hashtables: @{Type=...; ...}.' },
  },
  outputType: { name: 'TaskSequence', view: TASK_SEQUENCE_VIEW },
  examples: [
    {
      title: 'Apply, verify, then run a command',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence 'Image lab' -Image Win11 -Target /dev/sda -Verify -Command 'sync' | Select-Object -ExpandProperty Steps",
      output: ['ApplyImage Win11 -> /dev/sda', 'Verify', 'RunCommand sync'],
    },
    {
      title: 'Steps as hashtables',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; (New-TaskSequence Kiosk -Steps @{Type='ApplyImage'; Image='Win11'; Target='/srv/{name}.img'}, @{Type='Verify'}).StepCount",
      output: [2],
    },
    { title: 'An unknown image is refused', code: 'New-TaskSequence Broken -Image NoSuchImage -Target /dev/sda', error: 'ImageNotFound' },
  ],
  async *process(params, ctx) {
    let steps: StepSpec[];
    if (params.Steps) {
      steps = params.Steps.map((step, index) => {
        const type = toStr(getMember(step, 'Type')).toLowerCase();
        if (type === 'applyimage') return { type: 'ApplyImage', image: toStr(getMember(step, 'Image')), target: toStr(getMember(step, 'Target')) };
        if (type === 'verify') return { type: 'Verify' };
        if (type === 'runcommand') return { type: 'RunCommand', command: toStr(getMember(step, 'Command')) };
        throw ctx.error({ id: 'InvalidStepType', category: 'InvalidArgument', message: `Step ${index + 1} has Type '${toStr(getMember(step, 'Type'))}'; allowed: ApplyImage, Verify, RunCommand.`, target: step });
      });
    } else {
      steps = [{ type: 'ApplyImage', image: params.Image!, target: params.Target! }];
      if (params.Verify) steps.push({ type: 'Verify' });
      for (const command of params.Command ?? []) steps.push({ type: 'RunCommand', command });
    }
    if (!(await ctx.shouldProcess(params.Name, 'Create task sequence'))) return;
    const sequence = await engine(ctx, async (store) => {
      const { newTaskSequence } = await import('../../src/engine/deploy/task-sequences.js');
      return taskSequenceObject(store.read(), await newTaskSequence(store, { name: params.Name, steps }));
    });
    if (sequence) yield sequence;
  },
});
