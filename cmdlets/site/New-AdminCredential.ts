import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { adminCredentialObject } from '../objects.js';

export default defineCmdlet({
  name: 'New-AdminCredential',
  synopsis: "Makes a key that lets a shell on another machine watch and control the site's DPs (remote administration).",
  description:
    "The key (ADM00001.<secret>) is shown once: the site keeps only a hash of its secret. Its holder sets MCSHELL_ADMIN_KEY to it, or keeps it in a file named by MCSHELL_ADMIN_KEY_FILE (or admin.key in the shell's site home); -OutFile writes it to a new file only its owner can read. With it, the session cmdlets' -DistributionPoint reaches every DP of the site over its control endpoint, whose certificate the DP's site record pins. Revoke-AdminCredential ends it.",
  impact: 'medium',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, description: 'Whose key it is (alice, noc-dashboard): unique in the site.' },
    OutFile: { type: 'string', description: 'Writes the key to this new file (mode 0600) instead of showing it.' },
  },
  outputType: { name: 'AdminCredential', view: { properties: ['Id', 'Name', 'Key'], layout: 'list' } },
  examples: [
    { title: 'A key for alice', code: "$k = New-AdminCredential alice; $k.Key.StartsWith($k.Id + '.')", output: [true] },
    { title: 'Names are unique', code: 'New-AdminCredential bob | Out-Null; New-AdminCredential bob', error: 'AdminCredentialExists' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Create admin credential'))) return;
    const created = await engine(ctx, async (store) => {
      const { newAdminCredential } = await import('../../src/engine/site/admin-credentials.js');
      const { record, key } = await newAdminCredential(store, params.Name);
      if (params.OutFile === undefined) return { ...adminCredentialObject(record), Key: key };
      const path = ctx.resolvePath(params.OutFile);
      const { writeFile } = await import('node:fs/promises');
      try {
        await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // The key would be lost: take the credential back rather than leave one nobody holds.
        const { revokeAdminCredential } = await import('../../src/engine/site/admin-credentials.js');
        await revokeAdminCredential(store, record.id);
        const { EngineError } = await import('../../src/engine/errors.js');
        throw new EngineError('AdminKeyFileUnwritable', 'ResourceUnavailable', `The key cannot be written to ${path}: ${(error as Error).message} (give a new file); credential ${record.id} was revoked.`, path);
      }
      return { ...adminCredentialObject(record), Key: `(in ${path})` };
    });
    if (created) yield created;
  },
});
