import { defineCmdlet, type CmdletContext } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine, parseBitsPerSecond } from '../engine.js';
import { dpObject, DP_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Set-DPMulticast',
  synopsis: "Changes the distribution point's multicast settings (ConfigMgr's DP Multicast tab).",
  description:
    "Only the parameters given change; the result is checked as a whole (multicast addresses in 239.0.0.0/8, start ≤ end, ports 1024–65535, minimum session size ≤ maximum clients) and an invalid change leaves the settings as they were. ConfigMgr's parameter names are accepted as aliases. Serving a real network needs an explicit -Interface; a new site serves on loopback (lo) only. Each distribution point has its own settings (-DistributionPoint); a DP without settings of its own follows the site's defaults, which are what this changes on a site with no DP yet; HistoryRetentionDays is the site's, whichever DP is named.",
  impact: 'medium',
  parameters: {
    DistributionPoint: { type: 'string', complete: completeDistributionPoints, description: 'The distribution point whose settings these are (default: the only one, or the one on this host; on a site with no DP yet, the defaults its DPs start from).' },
    Enable: { type: 'switch', aliases: ['EnableMulticast'], booleanUnder: ['EnableMulticast'], description: 'Turns multicast on (-Enable:$false or -EnableMulticast $false turns it off; clients then get unicast).' },
    Interface: { type: 'string', validate: { notEmpty: true }, description: 'The network interface (name or IPv4 address) the DP serves on, e.g. eth0. The default lo keeps everything on this machine.' },
    StartIPAddress: { type: 'string', description: 'First multicast group of the range sessions take their groups from (239.x.y.z).' },
    EndIPAddress: { type: 'string', description: 'Last multicast group of the range.' },
    UseAnyRangeIP: { type: 'switch', description: 'Take groups from anywhere in 239.0.0.0/8 (the default) instead of an explicit range.' },
    StartUdpPort: { type: 'int', validate: { range: [1024, 65535] }, description: 'First UDP port sessions take their ports from (default 63000).' },
    EndUdpPort: { type: 'int', validate: { range: [1024, 65535] }, description: 'Last UDP port (default 64000).' },
    MaximumClients: { type: 'int', aliases: ['MaximumClientCount', 'MulticastMaximumClientCount'], validate: { range: [1, 1000] }, description: 'Most clients served by multicast at once; further clients get unicast if the image allows it, or wait.' },
    TransferRate: { type: 'string', description: "Cap on the multicast rate in bits per second (e.g. 95M, 1G), or 'Adaptive' for no cap (the rate then follows the receivers)." },
    EnableScheduledMulticast: { type: 'switch', booleanUnder: ['EnableScheduledMulticast'], description: 'Scheduled-cast: wait for -MinimumSessionSize clients or -SessionStartDelayMins after the first request, whichever comes first (-EnableScheduledMulticast $false: auto-cast).' },
    SessionStartDelayMins: { type: 'int', validate: { range: [0, 1440] }, description: 'Minutes to wait after the first client request before starting a scheduled session.' },
    MinimumSessionSize: { type: 'int', aliases: ['MinimumClientCount'], validate: { range: [1, 1000] }, description: 'Client requests that start a scheduled session at once.' },
    SlowClientPolicy: {
      type: 'enum',
      values: ['None', 'Disconnect', 'Multistream'],
      description:
        "What happens to a client that cannot keep up. None: the session runs at the slowest client's pace. Disconnect: a client whose rate stays below -SlowClientThreshold for -SlowClientSeconds is disconnected and continues by unicast (fetching only what it lacks) if the image and -UnicastFallback allow it. Multistream: like WDS, the DP runs up to -SlowClientStreams sessions of the image at different speeds and moves such a client to the next slower one, where it resumes.",
    },
    SlowClientThreshold: { type: 'string', description: 'Rate below which a client counts as slow under Disconnect and Multistream (e.g. 10M); must be below -TransferRate when that is set.' },
    SlowClientSeconds: { type: 'int', validate: { range: [1, 3600] }, description: "Seconds a client's rate must stay below the threshold before the policy acts (default 10)." },
    SlowClientStreams: { type: 'int', validate: { range: [2, 3] }, description: 'Multistream: 2 streams (fast, slow) or 3 (fast; medium, capped at the threshold; slow, at its slowest client\'s pace). Default 2.' },
    UnicastFallback: { type: 'switch', description: 'Clients disconnected for being slow continue by unicast when the image allows it (default on; -UnicastFallback:$false ends their installation).' },
    HistoryRetentionDays: { type: 'int', validate: { range: [1, 3650] }, description: 'Days finished sessions stay in Get-MulticastSession -History, and status reports of expired deployments in their status (default 30); older entries are dropped at the next change to the site.' },
    PassThru: { type: 'switch', description: 'Outputs the new settings.' },
  },
  outputType: { name: 'DPMulticast', view: DP_VIEW },
  examples: [
    {
      title: 'Enable multicast with scheduled-cast for a lab of 40',
      code: 'Set-DPMulticast -Enable -EnableScheduledMulticast -MinimumSessionSize 40 -SessionStartDelayMins 15 -PassThru | Select-Object Enabled, ScheduledMulticast, MinimumSessionSize',
      output: [{ Enabled: true, ScheduledMulticast: true, MinimumSessionSize: 40 }],
    },
    {
      title: "ConfigMgr's [bool] parameters: a value after the name ($false turns the setting off)",
      code: 'Set-DPMulticast -EnableMulticast $true -EnableScheduledMulticast $false -PassThru | Select-Object Enabled, ScheduledMulticast',
      output: [{ Enabled: true, ScheduledMulticast: false }],
    },
    {
      title: "ConfigMgr's names: an explicit address and port range",
      code: 'Set-DPMulticast -StartIPAddress 239.255.10.1 -EndIPAddress 239.255.10.50 -StartUdpPort 63000 -EndUdpPort 63100 -MaximumClientCount 100 -PassThru | Select-Object AddressRange, MaximumClients',
      output: [{ AddressRange: '239.255.10.1-239.255.10.50', MaximumClients: 100 }],
    },
    { title: 'An address outside 239.0.0.0/8 is refused and nothing changes', code: 'Set-DPMulticast -StartIPAddress 224.1.1.1 -EndIPAddress 224.1.1.9', error: 'AddressNotMulticast' },
    {
      title: "WDS's multistream: clients below 20 Mbit/s for 15 s move to a slower stream (three streams: fast, medium, slow)",
      code: 'Set-DPMulticast -SlowClientPolicy Multistream -SlowClientThreshold 20M -SlowClientSeconds 15 -SlowClientStreams 3 -PassThru | Select-Object SlowClientPolicy, SlowClientThreshold, SlowClientStreams',
      output: [{ SlowClientPolicy: 'Multistream', SlowClientThreshold: '20 Mbit/s', SlowClientStreams: 3 }],
    },
    { title: 'A slow-client policy needs a threshold', code: 'Set-DPMulticast -SlowClientPolicy Disconnect', error: 'InvalidSlowClientPolicy' },
    {
      title: 'Keep a week of session history (and of the status of expired deployments)',
      code: 'Set-DPMulticast -HistoryRetentionDays 7 -PassThru | Select-Object HistoryRetentionDays',
      output: [{ HistoryRetentionDays: 7 }],
    },
    {
      title: 'Settings of one DP of several: the others keep theirs',
      code: "Start-DPService -Port 0 -Name DP-EAST | Out-Null; Stop-DPService; Start-DPService -Port 0 -Name DP-WEST | Out-Null; Stop-DPService; Set-DPMulticast -DistributionPoint DP-EAST -MaximumClients 40; (Get-DPMulticast -DistributionPoint DP-EAST).MaximumClients; (Get-DPMulticast -DistributionPoint DP-WEST).MaximumClients",
      output: [40, 100],
    },
  ],
  async *process(params, ctx) {
    const bound = ctx.boundParameters;
    if (bound.has('UseAnyRangeIP') && (bound.has('StartIPAddress') || bound.has('EndIPAddress'))) {
      throw ctx.error({ id: 'ConflictingParameters', category: 'InvalidArgument', message: '-UseAnyRangeIP and -StartIPAddress/-EndIPAddress contradict each other; give one or the other.' });
    }
    const settings = await engine(ctx, async (store) => {
      const { setDPSettings } = await import('../../src/engine/site/dp-settings.js');
      const rate = params.TransferRate === undefined ? undefined : /^adaptive$/i.test(params.TransferRate) ? null : await parseBitsPerSecond(params.TransferRate, 'TransferRate');
      const threshold = params.SlowClientThreshold === undefined ? undefined : await parseBitsPerSecond(params.SlowClientThreshold, 'SlowClientThreshold');
      const change = {
        ...(bound.has('Enable') ? { enabled: params.Enable } : {}),
        ...(params.Interface !== undefined ? { interface: params.Interface } : {}),
        ...(params.UseAnyRangeIP ? { addressRange: null } : {}),
        ...(params.StartIPAddress !== undefined || params.EndIPAddress !== undefined ? { addressRange: { start: params.StartIPAddress, end: params.EndIPAddress } } : {}),
        portRange: { ...(params.StartUdpPort !== undefined ? { start: params.StartUdpPort } : {}), ...(params.EndUdpPort !== undefined ? { end: params.EndUdpPort } : {}) },
        ...(params.MaximumClients !== undefined ? { maximumClients: params.MaximumClients } : {}),
        ...(rate !== undefined ? { transferRateBps: rate } : {}),
        ...(params.HistoryRetentionDays !== undefined ? { historyRetentionDays: params.HistoryRetentionDays } : {}),
        scheduled: {
          ...(bound.has('EnableScheduledMulticast') ? { enabled: params.EnableScheduledMulticast } : {}),
          ...(params.SessionStartDelayMins !== undefined ? { startDelayMinutes: params.SessionStartDelayMins } : {}),
          ...(params.MinimumSessionSize !== undefined ? { minimumSessionSize: params.MinimumSessionSize } : {}),
        },
        slowClients: {
          ...(params.SlowClientPolicy !== undefined ? { policy: params.SlowClientPolicy } : {}),
          ...(threshold !== undefined ? { thresholdBps: threshold } : {}),
          ...(params.SlowClientSeconds !== undefined ? { sustainSeconds: params.SlowClientSeconds } : {}),
          ...(params.SlowClientStreams !== undefined ? { streams: params.SlowClientStreams } : {}),
          ...(bound.has('UnicastFallback') ? { unicastFallback: params.UnicastFallback } : {}),
        },
      };
      if (!(await ctx.shouldProcess('distribution point multicast settings', 'Set'))) return undefined;
      return setDPSettings(store, change as Parameters<typeof setDPSettings>[1], params.DistributionPoint);
    });
    if (settings && params.Interface !== undefined) await warnIfNotHere(params.Interface, ctx);
    if (settings && params.PassThru) yield dpObject(settings);
  },
});

/**
 * An interface this host lacks is saved all the same: the site may be administered from another
 * machine than the one that runs the DP. But a typo should show now, not when `mcshell serve` fails.
 */
async function warnIfNotHere(spec: string, ctx: CmdletContext): Promise<void> {
  const { resolveInterface, ipv4InterfaceNames } = await import('../../src/engine/transport/index.js');
  try {
    resolveInterface(spec);
  } catch {
    const here = ipv4InterfaceNames();
    ctx.writeWarning(
      `This host has no IPv4 interface ${spec} (it has ${here.join(', ') || 'none'}). The setting is saved, for the host that runs the DP; a DP started on this host with it would not start.`,
    );
  }
}
