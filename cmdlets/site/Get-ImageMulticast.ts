import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine, selectByName } from '../engine.js';
import { imageMulticastObject, IMAGE_MULTICAST_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-ImageMulticast',
  synopsis: "Shows images' multicast settings (ConfigMgr's Distribution Settings tab).",
  description: 'Allow: the image may be sent by multicast. Encrypt: multicast packets are encrypted. MulticastOnly: never sent by unicast.',
  parameters: {
    Name: { type: 'string', position: 0, pipeline: 'property', aliases: ['Id'], complete: completeImages, description: 'Name or id of the images (wildcards allowed).' },
  },
  outputType: { name: 'ImageMulticast', view: IMAGE_MULTICAST_VIEW },
  examples: [
    {
      title: 'A new image allows multicast with unicast fallback',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Get-ImageMulticast Win11 | Select-Object Allow, Encrypt, MulticastOnly",
      output: [{ Allow: true, Encrypt: false, MulticastOnly: false }],
    },
  ],
  async *process(params, ctx) {
    const images = await engine(ctx, (store) => store.read().images);
    if (!images) return;
    for (const image of selectByName(ctx, params.Name, images, (i) => [i.name, i.id], { id: 'ImageNotFound', what: 'an image with the name or id' })) yield imageMulticastObject(image);
  },
});
