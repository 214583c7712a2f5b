// What the PXE cmdlets emit: the DP's PXE settings as a PowerShell-style object (never the
// password's hash: only whether one is set).
import type { DPPxeSettings } from '../src/engine/site/model.js';

export interface PxeListener {
  Service: string;
  Address: string;
}

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
    /** What the running DP service listens on for PXE; null when no DP service runs in this shell. */
    Listening: listeners,
  };
}

export const PXE_VIEW = { properties: ['Enabled', 'AllowPxeResponse', 'UnknownComputerSupport', 'PasswordSet', 'ResponseDelaySec', 'Interface', 'BootImage', 'HttpPort', 'DhcpMode', 'DhcpRange', 'Listening'], layout: 'list' } as const;
