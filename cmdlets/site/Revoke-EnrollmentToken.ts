import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { enrollmentTokenObject, ENROLLMENT_TOKEN_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Revoke-EnrollmentToken',
  synopsis: 'Revokes an enrollment token: no client can enroll with it any more.',
  description: 'Clients that already enrolled with it stay enrolled (remove one with Remove-EnrolledClient). The token is kept, in state Revoked, for the record. -Id also takes a whole token string.',
  impact: 'high',
  parameters: {
    Id: { type: 'string', position: 0, mandatory: true, pipeline: 'property', description: 'Token id (or the whole token string).' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the revoked token.' },
  },
  outputType: { name: 'EnrollmentToken', view: ENROLLMENT_TOKEN_VIEW },
  examples: [
    {
      title: 'Revoke every active token',
      code: "New-EnrollmentToken | Out-Null; New-EnrollmentToken | Out-Null; Get-EnrollmentToken -State Active | Revoke-EnrollmentToken -Force -PassThru | ForEach-Object State",
      output: ['Revoked', 'Revoked'],
    },
    { title: 'An unknown token', code: 'Revoke-EnrollmentToken abc123', error: 'EnrollmentTokenNotFound' },
  ],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const { findToken } = await import('../../src/engine/site/enrollment.js');
      return findToken(store.read(), params.Id).id;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Revoke enrollment token', { force: params.Force }))) return;
    const revoked = await engine(ctx, async (store) => {
      const { revokeEnrollmentToken, tokenState } = await import('../../src/engine/site/enrollment.js');
      const token = await revokeEnrollmentToken(store, params.Id);
      return enrollmentTokenObject(token, tokenState(token, Date.now()));
    });
    if (revoked && params.PassThru) yield revoked;
  },
});
