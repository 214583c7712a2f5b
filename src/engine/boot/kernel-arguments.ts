// Kernel arguments an admin adds to a boot image's command line (New-BootImage/Set-BootImage
// -KernelArgument). They go into iPXE scripts, which read `${…}` as settings and spaces or `||` as
// syntax: only plain words of letters, digits and . , : / = + - _ pass, and none that mcshell sets
// itself (initrd=, mcshell.*), which would let an argument redirect a machine to another DP.
import { EngineError } from '../errors.js';

export const KERNEL_ARGUMENT = /^[A-Za-z0-9_.,:\/=+-]+$/;
const OWN_ARGUMENT = /^(?:initrd=|mcshell\.)/i;

/** The arguments, checked; an empty list clears them. */
export function validKernelArguments(words: readonly string[]): string[] {
  for (const word of words) {
    if (!KERNEL_ARGUMENT.test(word)) {
      throw new EngineError('InvalidKernelArgument', 'InvalidArgument', `The kernel argument '${word}' is not allowed: one word per argument, of letters, digits and . , : / = + - _ (e.g. no_timer_check, console=ttyS1,115200n8).`, word);
    }
    if (OWN_ARGUMENT.test(word)) {
      throw new EngineError('InvalidKernelArgument', 'InvalidArgument', `The kernel argument '${word}' is mcshell's own (initrd=, mcshell.*): it is set for each boot and cannot be given.`, word);
    }
  }
  return [...words];
}
