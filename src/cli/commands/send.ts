// `mcshell send <file> --interface <name|address> …`: serve one image to every receiver that joins.
import { abortOnSignals, integer, mib, parse, progressWriter, readEd25519, readKeyFile, runCommand, seconds, UsageError } from './transport-args.js';

const USAGE = `usage: mcshell send <file> --interface <name|address> [--min-clients N] [--max-wait <seconds>]
                    [--rate <bits/s, e.g. 95M, 1G, 500k>] [--group <239.x.y.z>] [--port <n>]
                    [--json] [--progress] [--receiver-timeout <seconds>] [--symbol-size <bytes>] [--k <symbols>]
                    [--key-file <file>] [--sign-key <pem>] [--no-manifest-cache]
       mcshell send <file> --prepare [--symbol-size <bytes>] [--k <symbols>] [--key-file <file>] [--json] [--progress]
Exits 0 when every joined receiver (at least --min-clients, default 1) has verified the image.
  --rate <bits/s>    the most the session sends. Without it the rate is automatic: it starts at
                     1 Gbit/s, doubles every 100 ms while no receiver overruns its socket buffer and
                     backs off when one does; random loss is repaired, never obeyed. Where receivers
                     sit behind slower links than the sender's, give a --rate their links can take.
  --key-file <file>  encrypt the session (AES-256-GCM per datagram) with the 32-byte key in <file>,
                     as 64 hex digits (openssl rand -hex 32 > key); receivers need the same file.
                     Use a fresh key per session. The default symbol size becomes 1440 (1500-byte MTU).
  --sign-key <pem>   sign the manifest with this Ed25519 private key (openssl genpkey -algorithm ed25519);
                     receivers given the public key (--verify-key) refuse any other manifest.
  --k <symbols>      source symbols per block, 1..4096 (default 1024): bigger blocks need less repair
                     for many receivers, smaller ones less CPU to decode.
  --no-manifest-cache
                     hash the image even if it was sent before. The manifest (SHA-256 of each block
                     and of the image) of a file sent before is kept in $MCSHELL_HOME/cache/manifests
                     when MCSHELL_HOME names a site, else in $XDG_CACHE_HOME/mcshell/manifests
                     (default ~/.cache/…), keyed by the file's device, inode, size and modification and
                     change times, so sending it again starts at full speed; any write to the file
                     changes its change time, and with it the key.
  --prepare          only hash the image and keep its manifest in that cache (no session, no network),
                     e.g. when it is imported, so that its sessions start at full speed. Give the
                     same --symbol-size, --k and --key-file as the sessions will have.
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('send', USAGE, async () => {
    const { values, positionals } = parse(
      argv,
      {
        interface: { type: 'string' },
        'min-clients': { type: 'string' },
        'max-wait': { type: 'string' },
        rate: { type: 'string' },
        group: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        'receiver-timeout': { type: 'string' },
        'symbol-size': { type: 'string' },
        k: { type: 'string' },
        'key-file': { type: 'string' },
        'sign-key': { type: 'string' },
        'no-manifest-cache': { type: 'boolean' },
        prepare: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing the image file to send' : `expected one file, got ${positionals.length}`);
    if (values.prepare) return prepare(positionals[0]!, values, progressWriter(values.progress === true));
    if (!values.interface) throw new UsageError('--interface is required (an interface name such as lo or eth0, or one of its IPv4 addresses)');
    const transport = await import('../../engine/transport/index.js');
    let rate: number | undefined;
    if (values.rate !== undefined) {
      try {
        rate = transport.parseRate(values.rate);
      } catch (e) {
        throw new UsageError(`--rate: ${(e as Error).message}`);
      }
    }
    const timeout = seconds('receiver-timeout', values['receiver-timeout']);
    const symbolSize = symbolSizeOption(values['symbol-size']);
    const encryptionKey = readKeyFile('key-file', values['key-file']);
    const manifestSigner = readEd25519('sign-key', values['sign-key'], 'private');
    const show = progressWriter(values.progress === true);
    const summary = await transport.send({
      signal: abortOnSignals(),
      file: positionals[0]!,
      interface: values.interface,
      group: values.group,
      port: integer('port', values.port, 1, 65535),
      minClients: integer('min-clients', values['min-clients'], 1, 100_000),
      maxWaitSeconds: seconds('max-wait', values['max-wait']),
      rate,
      symbolSize,
      k: integer('k', values.k, 1, transport.MAX_K),
      receiverTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
      encryptionKey,
      manifestSigner,
      ...(values['no-manifest-cache'] ? { manifestCache: null } : {}),
      onProgress: show
        ? (p) =>
            show(
              p.phase === 'waiting'
                ? `waiting for receivers: ${p.joined} joined`
                : `sent ${p.blocksSent}/${p.blockCount} blocks, ${mib(p.wireBytes)} on the wire, ${(p.rateBitsPerSecond / 1e6).toFixed(0)} Mbit/s pace, ${p.verified}/${p.joined} verified`,
            )
        : undefined,
    });
    if (show && process.stderr.isTTY) process.stderr.write('\n');
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      const lines = [
        `${summary.ok ? 'done' : 'FAILED'}: ${summary.message}${summary.encrypted ? ' (encrypted)' : ''}${summary.signed ? ' (signed manifest)' : ''}${summary.manifestCached ? ' (manifest from cache)' : ''}`,
        `time ${summary.elapsedSeconds.toFixed(2)} s, image ${mib(summary.imageBytes)}, wire ${mib(summary.wireBytes)} (${summary.wireRatio.toFixed(3)} × image), ` +
          `${summary.repairSymbols} repair symbols, ${summary.resentSourceSymbols} source symbols resent` +
          (summary.authFailures + summary.replays > 0 ? `, ${summary.authFailures} reports failed authentication, ${summary.replays} replayed` : ''),
        ...summary.receivers.map((r) => `  ${r.id} ${r.address} ${r.status}${r.reason ? ` (${r.reason})` : ''}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (!summary.ok) process.stderr.write(`mcshell send: ${summary.message}\n`);
    return summary.ok ? 0 : 1;
  });
}

async function prepare(
  file: string,
  values: { 'no-manifest-cache'?: boolean; 'symbol-size'?: string; k?: string; 'key-file'?: string; json?: boolean },
  show: ((line: string) => void) | undefined,
): Promise<number> {
  if (values['no-manifest-cache']) throw new UsageError('--prepare fills the manifest cache: it cannot be combined with --no-manifest-cache');
  const transport = await import('../../engine/transport/index.js');
  const prepared = await transport.prepareManifest({
    file,
    symbolSize: symbolSizeOption(values['symbol-size']),
    k: integer('k', values.k, 1, transport.MAX_K),
    encrypted: readKeyFile('key-file', values['key-file']) !== undefined,
    signal: abortOnSignals(),
    onProgress: show ? (hashed, total) => show(`hashing ${file}: ${mib(hashed)} of ${mib(total)}`) : undefined,
  });
  if (show && process.stderr.isTTY) process.stderr.write('\n');
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ file, ...prepared })}\n`);
  } else {
    process.stdout.write(
      `${file}: ${mib(prepared.imageBytes)}, ${prepared.blockCount} blocks, SHA-256 ${prepared.imageSha256}\n` +
        `manifest ${prepared.alreadyCached ? 'was already' : 'now'} cached in ${prepared.cacheDir}\n`,
    );
  }
  return 0;
}

function symbolSizeOption(text: string | undefined): number | undefined {
  const symbolSize = integer('symbol-size', text, 64, 65_000);
  if (symbolSize !== undefined && symbolSize % 4 !== 0) throw new UsageError(`--symbol-size must be a multiple of 4 (got ${symbolSize})`);
  return symbolSize;
}
