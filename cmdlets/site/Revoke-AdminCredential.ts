import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { adminCredentialObject, ADMIN_CREDENTIAL_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Revoke-AdminCredential',
  synopsis: 'Revokes an admin credential: no DP of the site accepts its key any more.',
  description: 'Each DP checks keys against its copy of the site, so the revocation holds from the DP’s next look at the site (at once on the file store). The credential is kept, in state Revoked, for the record. -Name also takes the id or the whole key.',
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], description: 'Name or id of the credential (or its key).' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the revoked credential.' },
  },
  outputType: { name: 'AdminCredential', view: ADMIN_CREDENTIAL_VIEW },
  examples: [
    { title: 'Revoke a key', code: 'New-AdminCredential dave | Out-Null; Revoke-AdminCredential dave -Force -PassThru | ForEach-Object State', output: ['Revoked'] },
    { title: 'An unknown credential', code: 'Revoke-AdminCredential nobody -Force', error: 'AdminCredentialNotFound' },
  ],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const { findAdminCredential } = await import('../../src/engine/site/admin-credentials.js');
      return findAdminCredential(store.read(), params.Name).id;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Revoke admin credential', { force: params.Force }))) return;
    const revoked = await engine(ctx, async (store) => {
      const { revokeAdminCredential } = await import('../../src/engine/site/admin-credentials.js');
      return adminCredentialObject(await revokeAdminCredential(store, target));
    });
    if (revoked && params.PassThru) yield revoked;
  },
});
