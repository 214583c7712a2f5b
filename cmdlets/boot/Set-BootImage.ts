import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBootImages, engine } from '../engine.js';
import { bootImageObject, BOOT_IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Set-BootImage',
  synopsis: "Changes a boot image's name.",
  description: 'Renames the boot image (its record and the manifest the DP reads). Its contents — kernel, drivers — are fixed when it is built: build another with New-BootImage (-Driver adds drivers) and point PXE at it with Set-DPPxe -BootImage.',
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], complete: completeBootImages, description: 'Name or id of the boot image.' },
    NewName: { type: 'string', mandatory: true, validate: { notEmpty: true }, description: 'Its new name.' },
    PassThru: { type: 'switch', description: 'Outputs the boot image.' },
  },
  outputType: { name: 'BootImage', view: BOOT_IMAGE_VIEW },
  examples: [{ title: 'An unknown boot image is an error', code: 'Set-BootImage NoSuchBootImage -NewName Lab', error: 'BootImageNotFound' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Rename boot image'))) return;
    const image = await engine(ctx, async (store) => {
      const { setBootImage } = await import('../../src/engine/boot/image/library.js');
      return setBootImage(store, params.Name, { newName: params.NewName });
    });
    if (image && params.PassThru) yield bootImageObject(image);
  },
});
