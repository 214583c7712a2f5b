// `mcshell receive --interface <name|address> --out <path|-> …`: fetch one image and verify it.
import type { ApplyResult } from '../../engine/disk/apply.js';
import type { ReceiveSummary } from '../../engine/transport/receiver.js';
import { abortOnSignals, integer, mib, parse, progressWriter, readEd25519, readKeyFile, runCommand, seconds, UsageError, writeWarning } from './transport-args.js';

const USAGE = `usage: mcshell receive --interface <name|address> --out <path|-> [--group <239.x.y.z> --port <n>]
                       [--json] [--progress] [--start-timeout <seconds>] [--sender-timeout <seconds>]
                       [--key-file <file>] [--verify-key <pem>]
Without --group/--port the receiver joins the session announced on the link; should its sender
restart (the same image in a new session), it joins the new session and resumes with what it holds.
Exits 0 only after the image is verified. On a full disk it removes its partial copy and names the
disk. With --out - the image goes to stdout and the --json summary to stderr.
A disk image (Import-OSImage of a raw disk) is applied as it arrives: its partition table, then each
chunk of used blocks as soon as its stored bytes are complete, whatever their order; free space is
not written (a file stays sparse; an existing file is a disk of its size, and a larger one grows the
last partition); chunks a block device already holds are not written again; everything is read back
at the end. A block device's copy of the stored image goes to a spool file first (--spool).
  --spool <file>      where the stored image goes when --out is a block device (default: in the
                      temporary directory; a flat image is copied from it onto the device at the end).
  --start-timeout <s> give up when no session is found within this many seconds (default: wait
                      until one is, as udp-receiver does).
  --sender-timeout <s> give up when the sender of the session found is silent this long (default 30).
The session socket asks for a 16 MiB receive buffer; when net.core.rmem_max caps it (no CAP_NET_ADMIN,
or no native addon) the receiver warns on stderr and in the summary's "warnings", with the sysctl to run.
  --key-file <file>   the encrypted session's key (64 hex digits, the sender's --key-file); only an
                      encrypted session that authenticates with it is joined, and datagrams that fail
                      authentication or are replayed are dropped and counted.
  --verify-key <pem>  Ed25519 public key: refuse a session whose manifest it does not verify
                      (unsigned or forged), before anything is written.
Test only: MCSHELL_TEST_DROP, _DUPLICATE, _REORDER, _CORRUPT (probabilities) and _SEED impair arriving datagrams.
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('receive', USAGE, async () => {
    const { values } = parse(
      argv,
      {
        interface: { type: 'string' },
        out: { type: 'string' },
        group: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        'sender-timeout': { type: 'string' },
        'start-timeout': { type: 'string' },
        'key-file': { type: 'string' },
        'verify-key': { type: 'string' },
        spool: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      false,
    );
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (!values.interface) throw new UsageError('--interface is required (an interface name such as lo or eth0, or one of its IPv4 addresses)');
    if (!values.out) throw new UsageError('--out is required (a file, a block device, or - for stdout)');
    if ((values.group === undefined) !== (values.port === undefined)) throw new UsageError('--group and --port go together (or leave both out to use the announced session)');
    const port = integer('port', values.port, 1, 65535);
    const timeout = seconds('sender-timeout', values['sender-timeout']);
    const startTimeout = seconds('start-timeout', values['start-timeout']);
    const encryptionKey = readKeyFile('key-file', values['key-file']);
    const manifestPublicKey = readEd25519('verify-key', values['verify-key'], 'public');
    const transport = await import('../../engine/transport/index.js');
    const show = progressWriter(values.progress === true);
    const { DiskReceive } = await import('../../engine/disk/receive-target.js');
    const stop = new AbortController();
    let applyError: unknown = null;
    const disk = values.out === '-' ? null : await DiskReceive.prepare(values.out, { spool: values.spool, onNote: (note) => writeWarning('receive', note), onFailed: (error) => ((applyError = error), stop.abort()) });
    const summary: ReceiveSummary & { disk?: ApplyResult & { appliedWhileReceiving: number } } = await transport.receive({
      signal: AbortSignal.any([abortOnSignals(), stop.signal]),
      interface: values.interface,
      out: disk?.transportOut ?? values.out,
      onBlockStored: disk?.onBlockStored,
      group: values.group,
      port,
      senderTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
      startTimeoutMs: startTimeout === undefined ? undefined : startTimeout * 1000,
      encryptionKey,
      manifestPublicKey,
      impairment: transport.impairmentFromEnv(process.env),
      onWarning: (message) => writeWarning('receive', message),
      onProgress: show
        ? (p) =>
            show(
              p.phase === 'discovering'
                ? 'waiting for a session announcement'
                : `received ${p.blocksDone}/${p.blockCount} blocks of ${mib(p.imageBytes)}`,
            )
        : undefined,
    });
    if (show && process.stderr.isTTY) process.stderr.write('\n');
    if (disk && summary.ok) {
      try {
        const applied = await disk.finish();
        if (applied) {
          summary.disk = applied;
          summary.message += `; applied the disk image to ${values.out}: ${applied.chunksWritten} chunks written (${applied.appliedWhileReceiving} of ${applied.chunksWritten + applied.chunksSkipped} while receiving), ${applied.chunksSkipped} already there, read back and verified${applied.grown ? `, partition ${applied.grown.number} grown to ${mib(applied.grown.sizeBytes)}` : ''}`;
        }
      } catch (error) {
        applyError = error;
      }
    } else await disk?.abandon();
    if (applyError) {
      summary.ok = false;
      summary.message = `applying the disk image to ${values.out} failed: ${(applyError as Error).message}`;
    }
    if (!summary.ok && values.out !== '-') {
      const { discardAfterWriteFailure, isDiskFull } = await import('../../engine/client/disk.js');
      // A full disk: what was kept for resuming only holds the space (a later run starts over anyway
      // once space is made), so it goes, and the message names the disk.
      if (isDiskFull(summary.localError)) summary.message = await discardAfterWriteFailure(values.out, summary.localError!, summary.message);
    }
    const report = values.out === '-' ? process.stderr : process.stdout;
    if (values.json) report.write(`${JSON.stringify(summary)}\n`);
    else if (summary.ok) report.write(`done: ${summary.message}, ${mib(summary.imageBytes)} in ${summary.elapsedSeconds.toFixed(2)} s, sha256 ${summary.sha256}\n`);
    if (!summary.ok) process.stderr.write(`mcshell receive: ${summary.message}\n`);
    return summary.ok ? 0 : 1;
  });
}
