import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { enrollmentTokenObject } from '../objects.js';

export default defineCmdlet({
  name: 'New-EnrollmentToken',
  synopsis: 'Makes a token a client agent enrolls with (mcshell client --enroll <token>).',
  description:
    "The token is <id>.<secret>.<fingerprint>: the fingerprint is the SHA-256 of the DP's TLS certificate, which the client pins before it sends anything, so a token works only with this site's DP. The Token property is shown once: the site keeps only a hash of the secret. By default a token enrolls one client within 24 hours; -Uses allows more, -ExpiresIn changes the lifetime (30m, 8h, 7d or never), -Reusable makes a pre-shared site key (any number of clients until revoked or expired). Enrolling ties the client to its device record (by MAC address or name), so collection membership decides what it gets. The first token makes the site's identity (signing key, TLS key and certificate) under the site home, readable by its owner only.",
  impact: 'medium',
  parameters: {
    Description: { type: 'string', position: 0, description: 'What the token is for (shown by Get-EnrollmentToken).' },
    Uses: { type: 'int', default: 1, validate: { range: [1, 100000] }, description: 'How many clients may enroll with it.' },
    ExpiresIn: { type: 'string', default: '24h', description: 'Lifetime: a number with s, m, h or d (30m, 8h, 7d), or never.' },
    Reusable: { type: 'switch', aliases: ['SiteKey'], description: 'A pre-shared site key: any number of clients may enroll with it until it is revoked or expires.' },
  },
  outputType: { name: 'EnrollmentToken', view: { properties: ['Id', 'UsesLeft', 'ExpiresAt', 'Token'], layout: 'list' } },
  examples: [
    {
      title: 'A token for a lab of three machines, valid for 8 hours',
      code: "New-EnrollmentToken 'lab 3' -Uses 3 -ExpiresIn 8h | Select-Object State, UsesLeft, Description",
      output: [{ State: 'Active', UsesLeft: 3, Description: 'lab 3' }],
    },
    {
      title: 'A pre-shared site key that never expires; the token carries the DP certificate fingerprint',
      code: "$key = New-EnrollmentToken -Reusable -ExpiresIn never; $key.UsesLeft; $key.ExpiresAt; $key.Token.EndsWith($key.Fingerprint)",
      output: ['Unlimited', 'Never', true],
    },
    { title: 'A lifetime must be a time span', code: 'New-EnrollmentToken -ExpiresIn soon', error: 'InvalidExpiresIn' },
  ],
  async *process(params, ctx) {
    if (ctx.boundParameters.has('Uses') && params.Reusable) {
      ctx.writeError({ id: 'UsesWithReusable', category: 'InvalidArgument', message: '-Reusable allows any number of uses; give either -Uses or -Reusable.' });
      return;
    }
    if (!(await ctx.shouldProcess(params.Description ?? 'enrollment token', 'Create enrollment token'))) return;
    const created = await engine(ctx, async (store) => {
      const { newEnrollmentToken, parseExpiresIn, tokenState } = await import('../../src/engine/site/enrollment.js');
      const { siteIdentity } = await import('../../src/engine/site/identity.js');
      const expiresInMs = parseExpiresIn(params.ExpiresIn);
      const { fingerprint } = await siteIdentity(store);
      const { record, token } = await newEnrollmentToken(store, fingerprint, { description: params.Description, expiresInMs, uses: params.Reusable ? null : params.Uses });
      return { ...enrollmentTokenObject(record, tokenState(record, Date.now())), Token: token, Fingerprint: fingerprint };
    });
    if (created) yield created;
  },
});
