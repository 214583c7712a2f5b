import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine, runningService } from '../engine.js';
import { pxeObject, PXE_VIEW } from '../pxe-objects.js';

export default defineCmdlet({
  name: 'Set-DPPxe',
  synopsis: "Changes the distribution point's PXE settings (ConfigMgr's DP PXE tab).",
  description:
    "Only the parameters given change; the result is checked as a whole and an invalid change leaves the settings as they were. ConfigMgr's names are accepted (-EnablePxe, -AllowPxeResponse, -EnableUnknownComputerSupport, -PxePassword, -PxeServerResponseDelaySec). With PXE enabled the DP service answers network-booting machines on its interface: proxyDHCP (UDP 67 and 4011, boot information only, beside the network's own DHCP server), TFTP of iPXE's first stages from -BootFolder, and HTTP boot (-HttpPort) of per-machine iPXE scripts and the boot image. -DhcpMode Full also hands out addresses from -DhcpStartAddress..-DhcpEndAddress: use it only on an isolated lab network that has no DHCP server. Changes take effect when the DP service starts next. Each distribution point has its own PXE settings (-DistributionPoint).",
  impact: 'medium',
  parameters: {
    DistributionPoint: { type: 'string', complete: completeDistributionPoints, description: 'The distribution point whose PXE settings these are (default: the only one, or the one on this host; on a site with no DP yet, the defaults its DPs start from).' },
    Enable: { type: 'switch', aliases: ['EnablePxe'], booleanUnder: ['EnablePxe'], description: 'Turns PXE on (-Enable:$false or -EnablePxe $false turns it off).' },
    AllowPxeResponse: { type: 'switch', booleanUnder: ['AllowPxeResponse'], description: 'The DP answers PXE requests (-AllowPxeResponse $false keeps PXE set up but silent). On by default.' },
    EnableUnknownComputerSupport: { type: 'switch', booleanUnder: ['EnableUnknownComputerSupport'], description: 'Machines the site does not know are registered into the collection "All Unknown Computers" (name UNKNOWN-<last 6 hex of the MAC>), where a deployment can target them; without it they boot from their disk.' },
    PxePassword: { type: 'string', description: "A password asked on the machine's console before it boots the boot image; '' removes it. The site keeps only a salted hash." },
    PxeServerResponseDelaySec: { type: 'int', aliases: ['ResponseDelaySec'], validate: { range: [0, 32] }, description: 'Seconds the DHCP answers wait, so that another PXE server answers first (0 to 32; default 0).' },
    Interface: { type: 'string', description: "The interface PXE answers on (a name such as eth0, or an address); '' means the DP's interface (Set-DPMulticast -Interface). PXE never answers on another interface." },
    BootImage: { type: 'string', aliases: ['BootImageId'], description: "Name or id of the boot image machines boot (New-BootImage makes one); '' clears it." },
    HttpPort: { type: 'int', validate: { range: [1, 65535] }, description: 'TCP port of the plain-HTTP boot listener (default 8736).' },
    DhcpMode: { type: 'enum', values: ['ProxyDhcp', 'Full'], description: 'ProxyDhcp (default): boot information only, beside the network\'s DHCP server. Full: also hands out addresses, for an isolated lab with no DHCP server.' },
    DhcpStartAddress: { type: 'string', description: 'Full DHCP mode: the first address handed out (in the subnet of the PXE interface).' },
    DhcpEndAddress: { type: 'string', description: 'Full DHCP mode: the last address handed out.' },
    BootFolder: { type: 'string', description: "Folder of iPXE's first stages served by TFTP (default /usr/lib/ipxe, from Debian's ipxe package)." },
    PromptSeconds: { type: 'int', validate: { range: [1, 300] }, description: 'Seconds a machine with an available (not required) deployment waits for a key press before booting from its disk (default 10; ConfigMgr\'s F12).' },
    PassThru: { type: 'switch', description: 'Outputs the new settings.' },
  },
  outputType: { name: 'DPPxe', view: PXE_VIEW },
  examples: [
    {
      title: "Enable PXE with unknown computer support, ConfigMgr's names",
      code: 'Set-DPPxe -EnablePxe $true -AllowPxeResponse $true -EnableUnknownComputerSupport $true -PxeServerResponseDelaySec 2 -PassThru | Select-Object Enabled, UnknownComputerSupport, ResponseDelaySec',
      output: [{ Enabled: true, UnknownComputerSupport: true, ResponseDelaySec: 2 }],
    },
    {
      title: 'A PXE password: only whether one is set shows',
      code: "Set-DPPxe -PxePassword 'lab secret' -PassThru | Select-Object PasswordSet",
      output: [{ PasswordSet: true }],
    },
    {
      title: 'Full DHCP for an isolated lab network',
      code: 'Set-DPPxe -DhcpMode Full -DhcpStartAddress 198.18.0.100 -DhcpEndAddress 198.18.0.150 -PassThru | Select-Object DhcpMode, DhcpRange',
      output: [{ DhcpMode: 'Full', DhcpRange: '198.18.0.100-198.18.0.150' }],
    },
    { title: 'Full DHCP needs its address range', code: 'Set-DPPxe -DhcpMode Full', error: 'DhcpRangeRequired' },
    { title: 'A boot image that does not exist is refused', code: 'Set-DPPxe -BootImage WinPE', error: 'BootImageNotFound' },
  ],
  async *process(params, ctx) {
    const bound = ctx.boundParameters;
    const emptyIsNull = (value: string | undefined) => (value === undefined ? undefined : value.trim() === '' ? null : value);
    const settings = await engine(ctx, async (store) => {
      const { setPxeSettings } = await import('../../src/engine/boot/settings.js');
      const change = {
        ...(bound.has('Enable') ? { enabled: params.Enable } : {}),
        ...(bound.has('AllowPxeResponse') ? { allowResponse: params.AllowPxeResponse } : {}),
        ...(bound.has('EnableUnknownComputerSupport') ? { unknownComputerSupport: params.EnableUnknownComputerSupport } : {}),
        ...(params.PxePassword !== undefined ? { password: params.PxePassword || null } : {}),
        ...(params.PxeServerResponseDelaySec !== undefined ? { responseDelaySeconds: params.PxeServerResponseDelaySec } : {}),
        ...(params.Interface !== undefined ? { interface: emptyIsNull(params.Interface) } : {}),
        ...(params.BootImage !== undefined ? { bootImage: emptyIsNull(params.BootImage) } : {}),
        ...(params.HttpPort !== undefined ? { httpPort: params.HttpPort } : {}),
        ...(params.DhcpMode !== undefined ? { dhcpMode: params.DhcpMode } : {}),
        ...(params.DhcpStartAddress !== undefined || params.DhcpEndAddress !== undefined ? { addressRange: { start: params.DhcpStartAddress, end: params.DhcpEndAddress } } : {}),
        ...(params.BootFolder !== undefined ? { bootFolder: params.BootFolder } : {}),
        ...(params.PromptSeconds !== undefined ? { promptSeconds: params.PromptSeconds } : {}),
      };
      if (!(await ctx.shouldProcess('distribution point PXE settings', 'Set'))) return undefined;
      const pxe = await setPxeSettings(store, change as Parameters<typeof setPxeSettings>[1], params.DistributionPoint);
      if (runningService(store)) ctx.writeWarning('The DP service running in this shell keeps its PXE settings until it is restarted (Stop-DPService; Start-DPService).');
      const { targetSettings } = await import('../../src/engine/site/distribution-points.js');
      const site = store.read();
      return pxeObject(pxe, targetSettings(site, params.DistributionPoint).interface, runningService(store)?.pxeListeners() ?? null);
    });
    if (settings && params.PassThru) yield settings;
  },
});
