// What the PXE cmdlets emit: the DP's PXE settings as a PowerShell-style object (never the
// password's hash: only whether one is set).
import type { DPPxeSettings } from '../src/engine/site/model.js';
import type { PxeListener } from '../src/engine/boot/pxe-services.js';

export function pxeObject(pxe: DPPxeSettings, dpInterface: string, listeners: PxeListener[] | null) {
  return {
    Enabled: pxe.enabled,
    AllowPxeResponse: pxe.allowResponse,
    UnknownComputerSupport: pxe.unknownComputerSupport,
    PasswordSet: pxe.passwordHash !== null,
    ResponseDelaySec: pxe.responseDelaySeconds,
    Interface: pxe.interface ?? dpInterface,
    BootImage: pxe.bootImageId,
    HttpPort: pxe.httpPort,
    DhcpMode: pxe.dhcpMode,
    DhcpRange: pxe.addressRange ? `${pxe.addressRange.start}-${pxe.addressRange.end}` : null,
    BootFolder: pxe.bootFolder,
    PromptSeconds: pxe.promptSeconds,
      // What the DP service running in this shell listens on for PXE; null when none runs here.
    Listening: listeners,
  };
}

export const PXE_VIEW = { properties: ['Enabled', 'AllowPxeResponse', 'UnknownComputerSupport', 'PasswordSet', 'ResponseDelaySec', 'Interface', 'BootImage', 'HttpPort', 'DhcpMode', 'DhcpRange', 'Listening'], layout: 'list' } as const;
