import { join } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { progressReporter } from '../progress.js';
import { imageObject, IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Import-OSImage',
  synopsis: 'Imports an operating-system image file into the content library.',
  description:
    'Copies the file into the site content library while computing its SHA-256 in the same pass (with a progress bar on a terminal); the copy gets its final name only when complete, so an interrupted import (Ctrl+C cancels it) leaves nothing behind. Identical content is stored once. A raw disk (a file with a GPT or MBR partition table) becomes a disk image: the partition table, and per partition the blocks its filesystem uses (partclone; loop devices need root), compressed once with zstd (-CompressionLevel); a partition whose filesystem is unknown or unreadable is kept whole without its zero runs, with a warning saying why. Any other file is stored as it is. New images allow multicast, with unicast fallback, unencrypted unless -Encrypt (see Set-ImageMulticast).',
  impact: 'low',
  parameters: {
    Path: { type: 'string', position: 0, complete: 'path', mandatory: true, pipeline: 'both', aliases: ['FullName'], validate: { notEmpty: true }, description: 'The image file (.img, .wim, .raw …); several can be piped in.' },
    Name: { type: 'string', description: 'Name of the image in the library (default: the file name without its extension).' },
    Version: { type: 'string', default: '1.0', description: 'Version label.' },
    Description: { type: 'string', description: 'Free text shown by Get-OSImage.' },
    FromDisk: { type: 'switch', description: 'Capture a disk: -Path is a block device (/dev/sdX, /dev/loopN) or a raw disk file, and must have a partition table.' },
    Shrinkable: { type: 'switch', description: "Capture shrinkable (FOG's resizable): the last partition's ext2/3/4 filesystem is stored shrunk to its minimum, so the image also fits disks smaller than the source; apply grows it to fill the disk." },
    CompressionLevel: { type: 'int', validate: { range: [1, 19] }, description: 'zstd level for a raw disk (default 12: 31 MB/s per core; 19 stores ~10 % less at a tenth of the speed).' },
    Encrypt: { type: 'switch', aliases: ['MulticastEncrypt'], description: "Encrypt the image's multicast sessions (a fresh key per session, given only to enrolled clients it is deployed to)." },
  },
  outputType: { name: 'OSImage', view: IMAGE_VIEW },
  examples: [
    {
      title: 'Import an image file',
      code: "Set-Content lab.img 'pretend this is Windows'; Import-OSImage ./lab.img -Name Win11 -Version 23H2 | Select-Object Id, Name, Version",
      output: [{ Id: 'IMG00001', Name: 'Win11', Version: '23H2' }],
    },
    {
      title: 'Several files at once: each becomes an image named after its file',
      code: "Set-Content win10.img 'ten'; Set-Content win11.img 'eleven'; 'win10.img', 'win11.img' | Import-OSImage | ForEach-Object Name",
      output: ['win10', 'win11'],
    },
    {
      title: 'An image whose multicast sessions are encrypted',
      code: "Set-Content lab.img 'secret build'; Import-OSImage ./lab.img -Encrypt | Select-Object Name, MulticastEncrypt",
      output: [{ Name: 'lab', MulticastEncrypt: true }],
    },
    { title: 'A missing file is reported with the path', code: 'Import-OSImage ./missing.img', error: 'ImageFileNotFound' },
  ],
  async *process(params, ctx) {
    const path = ctx.resolvePath(params.Path);
    if (!(await ctx.shouldProcess(path, 'Import image'))) return;
    const progress = progressReporter(ctx, `Importing ${path}`);
    const image = await engine(ctx, async (store) => {
      const { importImage } = await import('../../src/engine/content/library.js');
      // The bar goes before an error is written.
      try {
        const image = await importImage(store, {
          path,
          name: params.Name,
          version: params.Version,
          description: params.Description,
          encrypt: params.Encrypt,
          compressionLevel: params.CompressionLevel,
          fromDisk: params.FromDisk,
          shrinkable: params.Shrinkable,
          signal: ctx.signal,
          onNote: (note) => ctx.writeWarning(note),
          onProgress: (p) => progress.update(p.bytesDone, p.bytesTotal),
        });
        return { image, path: join(store.contentDir, image.file) };
      } finally {
        progress.end();
      }
    });
    if (image) yield imageObject(image.image, image.path);
  },
});
