import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBootImages, engine } from '../engine.js';
import { bootImageObject, BOOT_IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Remove-BootImage',
  synopsis: 'Removes a boot image and its files.',
  description: "Refuses while the DP's PXE setting boots machines into it (Set-DPPxe -BootImage), unless -Force, which also leaves PXE without a boot image until one is set.",
  impact: 'medium',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], complete: completeBootImages, description: 'Name or id of the boot image.' },
    Force: { type: 'switch', description: "Remove it even while the DP's PXE setting uses it." },
    PassThru: { type: 'switch', description: 'Outputs the removed boot image.' },
  },
  outputType: { name: 'BootImage', view: BOOT_IMAGE_VIEW },
  examples: [{ title: 'An unknown boot image is an error', code: 'Remove-BootImage NoSuchBootImage', error: 'BootImageNotFound' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Remove boot image'))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeBootImage } = await import('../../src/engine/boot/image/library.js');
      return removeBootImage(store, params.Name, params.Force);
    });
    if (removed && params.PassThru) yield bootImageObject(removed);
  },
});
