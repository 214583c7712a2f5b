import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine, selectByName } from '../engine.js';
import { enrollmentTokenObject, ENROLLMENT_TOKEN_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-EnrollmentToken',
  synopsis: 'Lists the enrollment tokens of the site, without their secrets.',
  description: 'Each token shows its state (Active, Expired, UsedUp, Revoked), the uses left, when it expires and how often it was used. -Id filters (wildcards allowed); -State keeps tokens in one state.',
  parameters: {
    Id: { type: 'string', position: 0, description: 'Token id (wildcards allowed).' },
    State: { type: 'enum', values: ['Active', 'Expired', 'UsedUp', 'Revoked'], description: 'Only tokens in this state.' },
  },
  outputType: { name: 'EnrollmentToken', view: ENROLLMENT_TOKEN_VIEW },
  examples: [
    {
      title: 'Active tokens only',
      code: "$a = New-EnrollmentToken 'keep'; $b = New-EnrollmentToken 'gone'; Revoke-EnrollmentToken $b.Id -Force; Get-EnrollmentToken -State Active | ForEach-Object Description",
      output: ['keep'],
    },
  ],
  async *process(params, ctx) {
    const tokens = await engine(ctx, async (store) => {
      const { tokenState } = await import('../../src/engine/site/enrollment.js');
      const now = Date.now();
      return store.read().enrollmentTokens.map((token) => enrollmentTokenObject(token, tokenState(token, now)));
    });
    if (!tokens) return;
    for (const token of selectByName(ctx, params.Id, tokens, (t) => [t.Id], { id: 'EnrollmentTokenNotFound', what: 'an enrollment token with the id' })) if (!params.State || token.State === params.State) yield token;
  },
});
