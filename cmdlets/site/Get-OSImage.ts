import { join } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine, selectByName } from '../engine.js';
import { imageObject, IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-OSImage',
  synopsis: 'Lists the images in the content library.',
  description:
    "Shows each image with its id, version, size, SHA-256 and multicast settings, and its file in the content library (Path: what `mcshell send` sends). A disk image (Format Disk) also shows the disk it restores (LogicalSize), the stored size (Size), their Ratio, its partition table and each partition's filesystem, size and used bytes. -Name filters by name or id and accepts wildcards.",
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], complete: completeImages, description: 'Name or id of the images to show (wildcards allowed).' },
  },
  outputType: { name: 'OSImage', view: IMAGE_VIEW },
  examples: [
    {
      title: 'Images whose name starts with Win',
      code: "Set-Content a.img 'a'; Set-Content b.img 'b'; Import-OSImage a.img -Name Win11 | Out-Null; Import-OSImage b.img -Name Ubuntu | Out-Null; Get-OSImage Win* | Select-Object Name, SizeBytes",
      output: [{ Name: 'Win11', SizeBytes: 2 }],
    },
  ],
  async *process(params, ctx) {
    const found = await engine(ctx, (store) => ({ images: store.read().images, contentDir: store.contentDir }));
    if (!found) return;
    for (const image of selectByName(ctx, params.Name, found.images, (i) => [i.name, i.id], { id: 'ImageNotFound', what: 'an image with the name or id' })) yield imageObject(image, join(found.contentDir, image.file));
  },
});
