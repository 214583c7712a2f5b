// Task sequences: the ordered steps a client agent runs.
import { EngineError } from '../errors.js';
import { assertNameFree as assertImageNameFree, findImage } from '../content/library.js';
import { findBootImageRecord } from '../boot/image/library.js';
import type { SiteState, TaskSequenceRecord, TaskStep } from '../site/model.js';
import { assertNameFree, findRecord, nextId, requireName } from '../site/records.js';
import type { SiteStore } from '../site/store.js';

/** A step as an admin writes it: the image by name or id. */
export type StepSpec =
  | { type: 'ApplyImage'; image: string; target: string }
  /** The name the captured image gets (a new image: refused when the site has one of that name); the disk, default Disk:0. */
  | { type: 'CaptureImage'; imageName: string; target?: string | undefined }
  | { type: 'Verify' }
  | { type: 'RunCommand'; command: string }
  | { type: 'SetHostname'; name: string }
  /** bootImage (name or id), for -Into BootImage: default the DP's PXE boot image, else the site's only one. */
  | { type: 'Restart'; into: 'Disk' | 'BootImage'; bootImage?: string | undefined };

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
      case 'CaptureImage': {
        const name = requireName(step.imageName, 'image');
        assertImageNameFree(site, name);
        return { type: 'CaptureImage', imageName: name, target: step.target?.trim() || 'Disk:0' };
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
        if (step.into === 'BootImage') {
          // Refresh: the running machine restarts into the boot image, and the later steps run there.
          if (index === steps.length - 1) throw new EngineError('NothingAfterBootImage', 'InvalidArgument', `Step ${index + 1} (Restart -Into BootImage) needs steps after it: they run in the boot image (e.g. ApplyImage -Target Disk:0, then Restart).`);
          if (steps.slice(0, index).some((earlier) => earlier.type === 'Restart')) throw new EngineError('TwoRestartsIntoBootImage', 'InvalidArgument', `Step ${index + 1} (Restart -Into BootImage): a task sequence restarts into the boot image once.`);
          return { type: 'Restart', into: 'BootImage', bootImageId: refreshBootImage(site, step.bootImage, index).id };
        }
        // Into the deployed OS: the sequence is over once the machine restarts, so nothing may follow.
        if (index !== steps.length - 1) throw new EngineError('RestartNotLast', 'InvalidArgument', `Step ${index + 1} (Restart -Into Disk) must be the last step: the machine leaves the boot image there.`);
        return { type: 'Restart', into: 'Disk' };
    }
  });
}

/** The boot image a refresh restarts into: the one named, else the DP's PXE boot image, else the site's only one. */
function refreshBootImage(site: SiteState, named: string | undefined, index: number) {
  if (named?.trim()) return findBootImageRecord(site, named.trim());
  const pxe = site.dp.pxe.bootImageId;
  if (pxe) return findBootImageRecord(site, pxe);
  if (site.bootImages.length === 1) return site.bootImages[0]!;
  const why = site.bootImages.length === 0 ? 'the site has no boot image (New-BootImage builds one)' : `the site has ${site.bootImages.length} boot images and the DP's PXE setting names none`;
  throw new EngineError('BootImageNotChosen', 'InvalidArgument', `Step ${index + 1} (Restart -Into BootImage) needs a boot image: ${why}; name one with BootImage='<name>'.`);
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
