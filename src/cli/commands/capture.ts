// `mcshell capture …`: captures a reference machine's disk into a new image on the DP, with the
// credential `mcshell client --enroll` saved (engine/client/capture.ts does the work).
import { duration, integer, mib, parse, progressWriter, runCommand, UsageError, writeWarning } from './transport-args.js';

const USAGE = `usage: mcshell capture --disk <device|raw disk file> --name <image name> [--server <host[:port]>] [options]
options: [--credential <file>] [--deployment <id>] [--level <1-19>] [--wait-for-dp <duration>] [--json] [--progress]
Captures a disk (a block device such as /dev/sda, or a raw disk image file) into a new image on the
distribution point: its partition table and, per partition, the blocks its filesystem uses
(partclone; a filesystem partclone does not know, or cannot read, is kept whole with its runs of
zeros skipped, and the capture says so), compressed with zstd (--level, default 12) and uploaded
chunk by chunk over the DP's pinned HTTPS channel as they are made: nothing but a few chunks is held
here. The DP checks every chunk and the whole image before the image appears (Get-OSImage).
Only a device the site allows may capture: some deployment available to it must have a
CaptureImage step naming that image (New-TaskSequence -Steps @{Type='CaptureImage';
ImageName='<name>'}); the machine uses its own credential (--credential, default
~/.config/mcshell/client-credential.json, from \`mcshell client --enroll\`), never an admin's.
A name the site already has is refused. An interrupted capture (killed, link dropped, DP
restarted) run again with the same name resumes: the DP says which chunks it holds, and those are
neither compressed nor sent again. A capture nobody continues is removed from the DP after 3 days.
A DP that does not answer is waited for (--wait-for-dp, default 10m; 0 for no waiting).
Exits 0 with the new image's id, size and SHA-256 (--json: one JSON line), 1 with the reason.
The disk must not be in use (capture from a boot image, or unmount its filesystems first).
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('capture', USAGE, async () => {
    const { values } = parse(
      argv,
      {
        disk: { type: 'string' },
        name: { type: 'string' },
        server: { type: 'string' },
        credential: { type: 'string' },
        deployment: { type: 'string' },
        level: { type: 'string' },
        'wait-for-dp': { type: 'string' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      false,
    );
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (!values.disk) throw new UsageError('--disk is required (the disk to capture: /dev/sda, or a raw disk image file)');
    if (!values.name?.trim()) throw new UsageError('--name is required (the new image\'s name on the site)');
    const level = values.level === undefined ? undefined : integer('level', values.level, 1, 19);
    const waitSeconds = duration('wait-for-dp', values['wait-for-dp']);
    const { defaultCredentialPath, loadCredential } = await import('../../engine/client/enrollment.js');
    const { DEFAULT_DP_WAIT_MS, DPConnection } = await import('../../engine/client/connection.js');
    const { captureToDP } = await import('../../engine/client/capture.js');
    const credentialPath = values.credential ?? defaultCredentialPath();
    const fail = (message: string) => {
      if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, message })}\n`);
      else process.stderr.write(`mcshell capture: ${message}\n`);
      return 1;
    };
    const credential = await loadCredential(credentialPath).catch((error: Error) => error);
    if (credential instanceof Error) return fail(credential.message);
    if (!credential) return fail(`this machine is not enrolled (no credential in ${credentialPath}): enroll it once with mcshell client --server <dp> --enroll <token> --mac <address>`);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const server = values.server ?? credential.server;
    const dp = new DPConnection(server, { fingerprint: credential.fingerprint, certificate: credential.certificate }, credential.credential, abort.signal);
    const show = progressWriter(values.progress === true);
    let lastShown = 0;
    try {
      const result = await captureToDP(dp, {
        disk: values.disk,
        name: values.name.trim(),
        deploymentId: values.deployment,
        level,
        signal: abort.signal,
        wait: { waitMs: waitSeconds === undefined ? DEFAULT_DP_WAIT_MS : waitSeconds * 1000, onWaiting: (message) => process.stderr.write(`mcshell capture: ${message}\n`) },
        onNote: (message) => writeWarning('capture', message),
        onProgress: (progress) => {
          if (!show || Date.now() - lastShown < 500) return;
          lastShown = Date.now();
          const percent = progress.bytesTotal ? Math.floor((100 * progress.bytesDone) / progress.bytesTotal) : 0;
          show(`capture: ${percent}% (${mib(progress.bytesDone)} of ${mib(progress.bytesTotal)} read), ${progress.chunksSent} chunks sent${progress.chunksHeld ? `, ${progress.chunksHeld} held by the DP` : ''}`);
        },
      });
      if (show && process.stderr.isTTY) process.stderr.write('\n');
      const { image } = result;
      if (values.json) process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`);
      else {
        const held = result.chunksHeld ? `, ${result.chunksHeld} the DP held from an interrupted capture` : '';
        process.stdout.write(`captured ${values.disk} as image ${image.name} (${image.id}): ${mib(image.sizeBytes)} stored, SHA-256 ${image.sha256}; ${result.chunks} chunks, ${result.chunksSent} uploaded (${mib(result.sentBytes)})${held}, in ${result.seconds.toFixed(1)} s\n`);
      }
      return 0;
    } catch (error) {
      return fail(abort.signal.aborted ? 'capture interrupted; run it again with the same --name to resume' : (error as Error).message);
    } finally {
      dp.close();
    }
  });
}
