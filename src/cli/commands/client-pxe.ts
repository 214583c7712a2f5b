// `mcshell client --pxe`: the agent as a boot image's /init runs it (see engine/client/pxe.ts).
// Everything it says goes to stderr/stdout, which /init copies to every console of the machine.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { eventWriter, writeResult } from './client-output.js';
import { UsageError } from './transport-args.js';

export interface PxeModeOptions {
  interface: string | undefined;
  cmdline: string | undefined;
  dryRun: boolean;
  json: boolean;
  waitSeconds: number | undefined;
}

const say = (line: string) => process.stderr.write(`mcshell client: ${line}\n`);

export async function runPxeMode(options: PxeModeOptions): Promise<number> {
  const { BOOT_IMAGE_CONFIG, parseKernelCommandLine, readBootImagePins, readInventory, runPxe } = await import('../../engine/client/pxe.js');
  const cmdlinePath = options.cmdline ?? '/proc/cmdline';
  let text: string;
  try {
    text = readFileSync(cmdlinePath, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the kernel command line ${cmdlinePath}: ${(error as Error).message}`);
  }
  const commandLine = parseKernelCommandLine(text);
  const pins = readBootImagePins();
  if (options.dryRun) {
    const { inventory, uuid } = readInventory();
    process.stdout.write(`${JSON.stringify({ dryRun: true, commandLine, bootImage: pins ? { fingerprint: pins.fingerprint } : null, uuid, inventory })}\n`);
    return 0;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  // A console shows each tenth of a transfer, not every progress event.
  let lastTenth = -1;
  const show = (line: string) => {
    const percent = /(\d+)%$/.exec(line)?.[1];
    if (percent !== undefined) {
      const tenth = Math.floor(Number(percent) / 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
    } else lastTenth = -1;
    say(line);
  };
  say(commandLine.refresh ? `refresh: continuing deployment ${commandLine.refresh} after the restart into the boot image, DP ${commandLine.dp ?? '(none given)'}` : `PXE: machine ${commandLine.mac ?? '(no MAC given)'}, DP ${commandLine.dp ?? '(none given)'}`);
  const inBootImage = pins !== null;
  const result = await runPxe({
    commandLine,
    pins,
    interface: options.interface,
    ...(options.waitSeconds !== undefined ? { waitForDPMs: options.waitSeconds * 1000 } : {}),
    // Only a boot image renames and restarts the machine it runs on, never a host running this for a test.
    ...(inBootImage ? { setHostname: async (name: string) => run('hostname', [name]) } : {}),
    signal: abort.signal,
    onEvent: eventWriter(show, say),
  });
  if (result.device) say(`the DP knows this machine as ${result.device.name} (${result.device.id})${result.action === 'localboot' ? `: ${result.message}` : ''}`);
  writeResult(result, options.json);
  if (result.restart) {
    if (!inBootImage) {
      say(`restart requested, but this is not a boot image (no ${BOOT_IMAGE_CONFIG}): this machine is not restarted`);
    } else {
      say('restarting into the OS on the disk');
      run('sync', []);
      run('reboot', ['-f']);
    }
  }
  return result.ok ? 0 : 1;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error || result.status !== 0) say(`${command} ${args.join(' ')} failed: ${result.error?.message ?? `exit ${result.status}`}`);
}
