// Task sequences: the ordered steps a client agent runs.
import { EngineError } from '../errors.js';
import { findImage } from '../content/library.js';
import type { SiteState, TaskSequenceRecord, TaskStep } from '../site/model.js';
import { assertNameFree, findRecord, nextId, requireName } from '../site/records.js';
import type { SiteStore } from '../site/store.js';

/** A step as an admin writes it: the image by name or id. */
export type StepSpec =
  | { type: 'ApplyImage'; image: string; target: string }
  | { type: 'Verify' }
  | { type: 'RunCommand'; command: string }
  | { type: 'SetHostname'; name: string }
  | { type: 'Restart'; into: 'Disk' | 'BootImage' };

export function findTaskSequence(site: SiteState, nameOrId: string): TaskSequenceRecord {
  return findRecord(site.taskSequences, nameOrId, 'task sequence', 'TaskSequenceNotFound');
}

function resolveSteps(site: SiteState, steps: readonly StepSpec[]): TaskStep[] {
  if (steps.length === 0) throw new EngineError('EmptyTaskSequence', 'InvalidArgument', 'A task sequence needs at least one step (for example -Image with -Target).');
  let applied = false;
  return steps.map((step, index) => {
    switch (step.type) {
      case 'ApplyImage': {
        if (!step.target.trim()) throw new EngineError('MissingTarget', 'InvalidArgument', `Step ${index + 1} (ApplyImage) needs a target file or block device, e.g. /dev/sda or /images/{name}.img.`);
        applied = true;
        return { type: 'ApplyImage', imageId: findImage(site, step.image).id, target: step.target.trim() };
      }
      case 'Verify':
        if (!applied) throw new EngineError('VerifyBeforeApply', 'InvalidArgument', `Step ${index + 1} (Verify) must come after an ApplyImage step.`);
        return { type: 'Verify' };
      case 'RunCommand':
        if (!step.command.trim()) throw new EngineError('MissingCommand', 'InvalidArgument', `Step ${index + 1} (RunCommand) needs a command.`);
        return { type: 'RunCommand', command: step.command };
      case 'SetHostname':
        if (!step.name.trim()) throw new EngineError('MissingHostname', 'InvalidArgument', `Step ${index + 1} (SetHostname) needs a name, e.g. {name} (the device's name) or lab-{Room}.`);
        return { type: 'SetHostname', name: step.name.trim() };
      case 'Restart':
        if (step.into === 'BootImage') throw new EngineError('NotSupported', 'InvalidArgument', `Step ${index + 1} (Restart -Into BootImage): restarting a running machine into the boot image (refresh) is not built yet; network-boot the machine instead.`);
        // Into the deployed OS: the sequence is over once the machine restarts, so nothing may follow.
        if (index !== steps.length - 1) throw new EngineError('RestartNotLast', 'InvalidArgument', `Step ${index + 1} (Restart -Into Disk) must be the last step: the machine leaves the boot image there.`);
        return { type: 'Restart', into: step.into };
    }
  });
}

export async function newTaskSequence(store: SiteStore, request: { name: string; steps: readonly StepSpec[] }): Promise<TaskSequenceRecord> {
  const name = requireName(request.name, 'task sequence');
  return store.update((site) => {
    assertNameFree(site.taskSequences, name, 'task sequence', 'TaskSequenceExists', 'choose another -Name');
    const sequence: TaskSequenceRecord = { id: nextId('TS', site.taskSequences), name, steps: resolveSteps(site, request.steps) };
    site.taskSequences.push(sequence);
    return sequence;
  });
}
