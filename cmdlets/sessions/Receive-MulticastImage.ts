import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { progressReporter } from '../progress.js';

export default defineCmdlet({
  name: 'Receive-MulticastImage',
  synopsis: 'Receives an image from a multicast session and verifies it (the bare receiver).',
  description:
    "Joins the session announced on the interface (or the one at -Group/-Port), writes the image to -Out (a file, a block device) and succeeds only after its SHA-256 matched the sender's manifest; a partial image never takes the final name, and a restarted receive resumes from what it already has. The same path as `mcshell receive`.",
  impact: 'low',
  parameters: {
    Interface: { type: 'string', mandatory: true, description: 'Interface the multicast arrives on (name or IPv4 address), e.g. lo or eth0.' },
    Out: { type: 'string', mandatory: true, position: 0, complete: 'path', description: 'Where to write the image.' },
    Group: { type: 'string', description: 'Session group (default: the announced session).' },
    Port: { type: 'int', validate: { range: [1, 65535] }, description: 'Session port (with -Group).' },
  },
  outputType: { name: 'ReceiveResult', view: { properties: ['Ok', 'Sha256', 'ImageBytes', 'Seconds'] } },
  examples: [{ title: 'A group without a port is refused', code: 'Receive-MulticastImage -Interface lo ./out.img -Group 239.255.1.1', error: 'GroupNeedsPort' }],
  async *process(params, ctx) {
    if ((params.Group === undefined) !== (params.Port === undefined)) {
      throw ctx.error({ id: 'GroupNeedsPort', category: 'InvalidArgument', message: 'Give -Group and -Port together, or neither (then the announced session is joined).' });
    }
    const out = ctx.resolvePath(params.Out);
    if (!(await ctx.shouldProcess(out, 'Receive image'))) return;
    const { receive } = await import('../../src/engine/transport/index.js');
    const progress = progressReporter(ctx, `Receiving ${out}`);
    const summary = await receive({
      interface: params.Interface,
      out,
      ...(params.Group ? { group: params.Group, port: params.Port! } : {}),
      signal: ctx.signal,
      onWarning: (message) => ctx.writeWarning(`Receive-MulticastImage: ${message}`),
      onProgress: (p) => progress.update(p.blockCount > 0 ? (p.imageBytes * p.blocksDone) / p.blockCount : 0, p.imageBytes),
    }).finally(() => progress.end());
    if (!summary.ok) {
      ctx.writeError({ id: 'ReceiveFailed', category: 'ReadError', message: summary.message, target: out });
      return;
    }
    yield { Ok: summary.ok, Out: out, Sha256: summary.sha256, ImageBytes: summary.imageBytes, Seconds: Math.round(summary.elapsedSeconds * 100) / 100, Session: summary.session };
  },
});
