import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine } from '../engine.js';
import { imageObject, IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Remove-OSImage',
  synopsis: 'Removes an image from the content library.',
  description: "Refuses while a deployment's task sequence applies the image, unless -Force. The content file is deleted when no other image refers to the same content.",
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], complete: completeImages, description: 'Name or id of the image.' },
    Force: { type: 'switch', description: 'Skips the confirmation, and removes the image even while deployments use it.' },
    PassThru: { type: 'switch', description: 'Outputs the removed image.' },
  },
  outputType: { name: 'OSImage', view: IMAGE_VIEW },
  examples: [
    {
      title: 'Remove an image by piping it',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Old | Out-Null; Get-OSImage Old | Remove-OSImage -Confirm:$false; @(Get-OSImage).Count",
      output: [0],
    },
    { title: 'An unknown image is an error, before anything is asked', code: 'Remove-OSImage NoSuchImage', error: 'ImageNotFound' },
    { title: 'Removing asks first; with no terminal to ask on, say -Force or -Confirm:$false', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Old | Out-Null; Remove-OSImage Old", error: 'ConfirmationRequired' },
  ],
  async *process(params, ctx) {
    // What is not there is an error before anything is asked (as ConfigMgr's Remove-CM* resolve their object first).
    const target = await engine(ctx, async (store) => {
      const { findImage } = await import('../../src/engine/content/library.js');
      const image = findImage(store.read(), params.Name);
      return `${image.name} (${image.id})`;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Remove image', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeImage } = await import('../../src/engine/content/library.js');
      return removeImage(store, params.Name, params.Force);
    });
    if (removed && params.PassThru) yield imageObject(removed);
  },
});
