import { setTimeout as sleep } from 'node:timers/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { PipelineStoppedError } from '../../src/runtime/errors.js';

export default defineCmdlet({
  name: 'Start-Sleep',
  aliases: ['sleep'],
  synopsis: 'Waits for a time. Ctrl+C stops the wait (and the pipeline).',
  parameters: {
    Seconds: { type: 'number', position: 0, mandatory: true, sets: ['Seconds'], validate: { range: [0, 2_147_483] }, description: 'Seconds to wait (decimals allowed).' },
    Milliseconds: { type: 'int', mandatory: true, sets: ['Milliseconds'], aliases: ['ms'], validate: { range: [0, 2_147_483_647] }, description: 'Milliseconds to wait.' },
  },
  examples: [{ title: 'A short pause', code: 'Start-Sleep -Milliseconds 10; "done"', output: ['done'] }],
  async process(params, ctx) {
    const ms = params.Milliseconds ?? Math.round((params.Seconds ?? 0) * 1000);
    try {
      await sleep(ms, undefined, { signal: ctx.signal });
    } catch (e) {
      if (ctx.signal.aborted) throw new PipelineStoppedError();
      throw e;
    }
  },
});
