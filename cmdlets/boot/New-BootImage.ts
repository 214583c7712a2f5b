import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { progressReporter } from '../progress.js';
import { bootImageObject, BOOT_IMAGE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'New-BootImage',
  synopsis: 'Builds a boot image: the Linux kernel and initramfs that network-booted machines run the client agent in.',
  description:
    "ConfigMgr's boot images, with Linux as the RAM OS. The initramfs holds busybox (Debian's busybox-static), this host's node and the libraries it loads, the client agent bundled with its native addon, the NIC and disk drivers (virtio, e1000/e1000e/igb/ixgbe, r8169, ahci, nvme, sd_mod, and loop for applying disk images; -Driver adds more) with the modules they depend on, and the site's DP certificate fingerprint and manifest-signing public key — nothing secret. The kernel and its modules are -Kernel and -ModulesPath; without them, the DP host's own kernel (/boot/vmlinuz-<running version> and /lib/modules/<version>). The build is reproducible (the same inputs give the same initrd.img, byte for byte), shows its progress, and refuses with the Debian package to install when a tool (zstd, busybox-static) or a module is missing. The files land in <site home>/boot/<Id>/ (vmlinuz, initrd.img, manifest.json), where the DP serves them to PXE clients (Set-DPPxe -BootImage).",
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'Name of the boot image.' },
    Kernel: { type: 'string', description: 'The kernel (a vmlinuz file); default: this host\'s /boot/vmlinuz-<running version>.' },
    ModulesPath: { type: 'string', description: "The kernel's modules folder (lib/modules/<version>); default: beside an unpacked kernel package's boot/, else /lib/modules/<version>." },
    Driver: { type: 'string[]', aliases: ['Drivers'], description: 'Kernel modules to add to the default NIC and disk drivers (their dependencies come too).' },
    KernelArgument: { type: 'string[]', aliases: ['KernelArguments'], description: "Added to the kernel command line machines boot it with, by PXE and by refresh (e.g. no_timer_check for hardware or hypervisors whose timer check fails); one word each, of letters, digits and . , : / = + - _." },
  },
  outputType: { name: 'BootImage', view: BOOT_IMAGE_VIEW },
  examples: [
    { title: 'A kernel that does not exist is refused', code: 'New-BootImage Lab -Kernel ./no-such-vmlinuz -ModulesPath ./modules', error: 'KernelNotFound' },
    { title: 'Kernel arguments are plain words: anything iPXE could read as a command is refused', code: "New-BootImage Lab -KernelArgument 'quiet;reboot'", error: 'InvalidKernelArgument' },
  ],
  async *process(params, ctx) {
    const kernel = params.Kernel === undefined ? undefined : ctx.resolvePath(params.Kernel);
    const modulesPath = params.ModulesPath === undefined ? undefined : ctx.resolvePath(params.ModulesPath);
    if (!(await ctx.shouldProcess(params.Name, 'Build boot image'))) return;
    const progress = progressReporter(ctx, `Building boot image ${params.Name}`);
    let phase = '';
    const built = await engine(ctx, async (store) => {
      const { newBootImage } = await import('../../src/engine/boot/image/library.js');
      return newBootImage(store, {
        name: params.Name,
        kernel,
        modulesPath,
        drivers: params.Driver,
        kernelArguments: params.KernelArgument,
        onProgress: (step) => {
          if (step.phase !== phase) ctx.writeVerbose((phase = step.phase, step.message));
          progress.update(step.bytesDone, step.bytesTotal);
        },
      });
    }).finally(() => progress.end());
    if (!built) return;
    for (const warning of built.warnings) ctx.writeWarning(warning);
    const { record } = built;
    ctx.writeVerbose(`${record.name} (${record.id}): kernel ${(record.kernelBytes / 1048576).toFixed(1)} MB, initramfs ${(record.initrdBytes / 1048576).toFixed(1)} MB compressed (${(built.uncompressedBytes / 1048576).toFixed(1)} MB of files), ${record.drivers.length} modules`);
    yield bootImageObject(record);
  },
});
