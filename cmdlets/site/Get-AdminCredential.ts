import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine, selectByName } from '../engine.js';
import { adminCredentialObject, ADMIN_CREDENTIAL_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-AdminCredential',
  synopsis: 'Lists the admin credentials of the site (remote administration), without their keys.',
  description: 'Each shows its name, when it was made and its state (Active or Revoked). -Name filters by name or id (wildcards allowed).',
  parameters: {
    Name: { type: 'string', position: 0, description: 'Name or id (wildcards allowed).' },
  },
  outputType: { name: 'AdminCredential', view: ADMIN_CREDENTIAL_VIEW },
  examples: [{ title: 'A revoked credential stays listed', code: "New-AdminCredential carol | Out-Null; Revoke-AdminCredential carol -Force; Get-AdminCredential carol | ForEach-Object State", output: ['Revoked'] }],
  async *process(params, ctx) {
    const credentials = await engine(ctx, async (store) => {
      const { adminCredentials } = await import('../../src/engine/site/admin-credentials.js');
      return adminCredentials(store.read()).map(adminCredentialObject);
    });
    if (credentials) yield* selectByName(ctx, params.Name, credentials, (c) => [c.Name, c.Id], { id: 'AdminCredentialNotFound', what: 'an admin credential with the name or id' });
  },
});
