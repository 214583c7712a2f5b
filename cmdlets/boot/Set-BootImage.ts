import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBootImages, engine } from '../engine.js';
import { bootImageObject, BOOT_IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Set-BootImage',
  synopsis: "Changes a boot image's name or kernel arguments.",
  description: 'Renames the boot image (its record and the manifest the DP reads), or sets the arguments added to its kernel command line (-KernelArgument; an empty list clears them), which the next PXE boot or refresh uses. Its contents — kernel, drivers — are fixed when it is built: build another with New-BootImage (-Driver adds drivers) and point PXE at it with Set-DPPxe -BootImage.',
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], complete: completeBootImages, description: 'Name or id of the boot image.' },
    NewName: { type: 'string', validate: { notEmpty: true }, description: 'Its new name.' },
    KernelArgument: { type: 'string[]', aliases: ['KernelArguments'], description: 'Replaces the arguments added to its kernel command line (an empty list, @(), clears them).' },
    PassThru: { type: 'switch', description: 'Outputs the boot image.' },
  },
  outputType: { name: 'BootImage', view: BOOT_IMAGE_VIEW },
  examples: [
    { title: 'An unknown boot image is an error', code: 'Set-BootImage NoSuchBootImage -NewName Lab', error: 'BootImageNotFound' },
    { title: 'Nothing to change is an error', code: 'Set-BootImage Lab', error: 'NothingToChange' },
  ],
  async *process(params, ctx) {
    if (params.NewName === undefined && params.KernelArgument === undefined) {
      throw ctx.error({ id: 'NothingToChange', category: 'InvalidArgument', message: 'Set-BootImage needs -NewName or -KernelArgument (what to change).' });
    }
    if (!(await ctx.shouldProcess(params.Name, params.NewName === undefined ? 'Set boot image kernel arguments' : 'Rename boot image'))) return;
    const image = await engine(ctx, async (store) => {
      const { setBootImage } = await import('../../src/engine/boot/image/library.js');
      return setBootImage(store, params.Name, { newName: params.NewName, kernelArguments: params.KernelArgument });
    });
    if (image && params.PassThru) yield bootImageObject(image);
  },
});
