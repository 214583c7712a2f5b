import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBootImages, engine, selectByName } from '../engine.js';
import { bootImageObject, BOOT_IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-BootImage',
  synopsis: 'Lists the boot images built with New-BootImage.',
  description: 'Shows each boot image with its id, kernel version, sizes, SHA-256 of its kernel and initramfs, and the driver modules it holds. -Name filters by name or id and accepts wildcards.',
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], complete: completeBootImages, description: 'Name or id of the boot images to show (wildcards allowed).' },
  },
  outputType: { name: 'BootImage', view: BOOT_IMAGE_VIEW },
  examples: [
    { title: 'A new site has no boot image', code: '@(Get-BootImage).Count', output: [0] },
    { title: 'An exact name that matches nothing is an error', code: 'Get-BootImage NoSuchBootImage', error: 'BootImageNotFound' },
  ],
  async *process(params, ctx) {
    const images = await engine(ctx, (store) => store.read().bootImages);
    if (!images) return;
    for (const image of selectByName(ctx, params.Name, images, (i) => [i.name, i.id], { id: 'BootImageNotFound', what: 'a boot image with the name or id' })) yield bootImageObject(image);
  },
});
