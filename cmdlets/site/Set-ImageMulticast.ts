import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine } from '../engine.js';
import { imageMulticastObject, IMAGE_MULTICAST_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Set-ImageMulticast',
  synopsis: "Changes an image's multicast settings.",
  description:
    "Only the switches given change (-Encrypt:$false turns encryption off). A multicast-only image needs multicast allowed, and every deployment of it must use -DeploymentOption DownloadWhenNeeded (ConfigMgr's rule). ConfigMgr's names -MulticastAllow, -MulticastEncrypt and -MulticastTransferOnly are accepted, as ConfigMgr writes them too: with $true or $false after the name.",
  impact: 'medium',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], complete: completeImages, description: 'Name or id of the image.' },
    Allow: { type: 'switch', aliases: ['MulticastAllow'], booleanUnder: ['MulticastAllow'], description: 'Allow the image to be transferred by multicast.' },
    Encrypt: { type: 'switch', aliases: ['MulticastEncrypt'], booleanUnder: ['MulticastEncrypt'], description: 'Encrypt multicast packets of this image.' },
    MulticastOnly: { type: 'switch', aliases: ['MulticastTransferOnly'], booleanUnder: ['MulticastTransferOnly'], description: 'Transfer this image only by multicast (no unicast fallback).' },
    PassThru: { type: 'switch', description: 'Outputs the new settings.' },
  },
  outputType: { name: 'ImageMulticast', view: IMAGE_MULTICAST_VIEW },
  examples: [
    {
      title: 'Multicast only, encrypted',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Set-ImageMulticast Win11 -MulticastEncrypt -MulticastTransferOnly -PassThru | Select-Object Allow, Encrypt, MulticastOnly",
      output: [{ Allow: true, Encrypt: true, MulticastOnly: true }],
    },
    {
      title: 'Multicast-only without multicast is refused',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Set-ImageMulticast Win11 -Allow:$false -MulticastOnly",
      error: 'MulticastOnlyNeedsMulticast',
    },
  ],
  async *process(params, ctx) {
    const bound = ctx.boundParameters;
    const change = {
      ...(bound.has('Allow') ? { allow: params.Allow } : {}),
      ...(bound.has('Encrypt') ? { encrypt: params.Encrypt } : {}),
      ...(bound.has('MulticastOnly') ? { multicastOnly: params.MulticastOnly } : {}),
    };
    if (!(await ctx.shouldProcess(params.Name, 'Set image multicast settings'))) return;
    const image = await engine(ctx, async (store) => {
      const { setImageMulticast } = await import('../../src/engine/content/library.js');
      return setImageMulticast(store, params.Name, change);
    });
    if (image && params.PassThru) yield imageMulticastObject(image);
  },
});
