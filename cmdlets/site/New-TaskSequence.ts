import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { getMember, toStr } from '../../src/runtime/values.js';
import { completeImages, engine } from '../engine.js';
import { taskSequenceObject, TASK_SEQUENCE_VIEW } from '../objects.js';
import type { StepSpec } from '../../src/engine/deploy/task-sequences.js';

export default defineCmdlet({
  name: 'New-TaskSequence',
  synopsis: 'Creates a task sequence: the ordered steps a client runs (apply image, verify, run commands).',
  description:
    "The simple form applies one image to a target (-Image, -Target), verifies it (-Verify) and runs commands (-Command, in order). -Steps gives full control: hashtables with Type = ApplyImage (Image, Target), CaptureImage (ImageName, Target: the disk, default Disk:0; the machine uploads its disk to the DP as a new image of that name, which only a device this deployment targets may do), Verify, RunCommand (Command), SetHostname (Name) or Restart (Into = Disk, the default, or BootImage with an optional BootImage = its name: by default the DP's PXE boot image, else the site's only one). A target is a file, a block device, or one of a network-booted machine's fixed disks: Disk:0 (the first), Disk:Serial=…, Disk:Model=… or Disk:MinSize=100G (never a removable disk nor the one the machine runs from; one smaller than the image is refused). Targets, commands and host names may contain {name}, {id}, {mac} and the device's variables (Set-DeviceVariable), replaced when the step runs. Commands run with MCSHELL_TARGET set to the applied target (and MCSHELL_HOSTNAME after SetHostname). Restart -Into Disk ends the sequence: the machine restarts into the OS just written. Restart -Into BootImage refreshes a running machine: its enrolled agent downloads the boot image from the DP (pinned HTTPS, checked against the site's hashes), restarts into it with kexec, and the steps after it run there as on bare metal.",
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
    {
      title: 'Bare metal: the first fixed disk, a host name from the device, then restart into the new OS',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Debian | Out-Null; (New-TaskSequence 'Bare metal' -Steps @{Type='ApplyImage'; Image='Debian'; Target='Disk:0'}, @{Type='Verify'}, @{Type='SetHostname'; Name='{name}'}, @{Type='Restart'}).Steps",
      output: ['ApplyImage Debian -> Disk:0', 'Verify', 'SetHostname {name}', 'Restart -Into Disk'],
    },
    {
      title: "Capture a reference machine's first disk as a new image",
      code: "(New-TaskSequence 'Capture reference' -Steps @{Type='CaptureImage'; ImageName='Golden'}, @{Type='Restart'}).Steps",
      output: ['CaptureImage Disk:0 -> Golden', 'Restart -Into Disk'],
    },
    { title: 'A capture makes a new image: a name the site has is refused', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Golden | Out-Null; New-TaskSequence Recapture -Steps @{Type='CaptureImage'; ImageName='Golden'}", error: 'ImageExists' },
    { title: 'Nothing runs after a restart into the deployed OS', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Debian | Out-Null; New-TaskSequence Broken -Steps @{Type='ApplyImage'; Image='Debian'; Target='Disk:0'}, @{Type='Restart'}, @{Type='Verify'}", error: 'RestartNotLast' },
    { title: 'A refresh restarts into a boot image the site has', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Debian | Out-Null; New-TaskSequence Refresh -Steps @{Type='Restart'; Into='BootImage'}, @{Type='ApplyImage'; Image='Debian'; Target='Disk:0'}, @{Type='Restart'}", error: 'BootImageNotChosen' },
    { title: 'An unknown image is refused', code: 'New-TaskSequence Broken -Image NoSuchImage -Target /dev/sda', error: 'ImageNotFound' },
  ],
  async *process(params, ctx) {
    let steps: StepSpec[];
    if (params.Steps) {
      steps = params.Steps.map((step, index) => {
        const type = toStr(getMember(step, 'Type')).toLowerCase();
        if (type === 'applyimage') return { type: 'ApplyImage', image: toStr(getMember(step, 'Image')), target: toStr(getMember(step, 'Target')) };
        if (type === 'captureimage') return { type: 'CaptureImage', imageName: toStr(getMember(step, 'ImageName')), target: getMember(step, 'Target') == null ? undefined : toStr(getMember(step, 'Target')) };
        if (type === 'verify') return { type: 'Verify' };
        if (type === 'runcommand') return { type: 'RunCommand', command: toStr(getMember(step, 'Command')) };
        if (type === 'sethostname') return { type: 'SetHostname', name: toStr(getMember(step, 'Name')) };
        if (type === 'restart') {
          const into = toStr(getMember(step, 'Into') ?? 'Disk').toLowerCase();
          if (into !== 'disk' && into !== 'bootimage') throw ctx.error({ id: 'InvalidRestartTarget', category: 'InvalidArgument', message: `Step ${index + 1} (Restart) has Into '${toStr(getMember(step, 'Into'))}'; allowed: Disk (the deployed OS), BootImage.`, target: step });
          const bootImage = getMember(step, 'BootImage');
          return { type: 'Restart', into: into === 'disk' ? 'Disk' : 'BootImage', ...(bootImage !== undefined && bootImage !== null ? { bootImage: toStr(bootImage) } : {}) };
        }
        throw ctx.error({ id: 'InvalidStepType', category: 'InvalidArgument', message: `Step ${index + 1} has Type '${toStr(getMember(step, 'Type'))}'; allowed: ApplyImage, CaptureImage, Verify, RunCommand, SetHostname, Restart.`, target: step });
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
