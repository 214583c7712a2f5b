// Argument helpers shared by `mcshell send` and `mcshell receive`: usage errors name the flag and
// what it accepts, and exit with status 2.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
}

export function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got '${text}')`);
  return n;
}

export function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number of seconds ≥ 0 (got '${text}')`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, min: 60, h: 3600 };

/** A duration such as 90, 90s, 10m or 1h (plain numbers are seconds), in seconds. */
export function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|min|h)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--${flag} must be a duration such as 90s, 10m or 1h (a plain number is seconds; got '${text}')`);
  return Number(match[1]) * DURATION_UNITS[(match[2] ?? '').toLowerCase()]!;
}

/** Runs a command body, turning usage errors into exit status 2 and other errors into 1. */
export async function runCommand(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`mcshell ${name}: ${e.message}\n${usage}`);
      return 2;
    }
    process.stderr.write(`mcshell ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** Progress goes to stderr when it is a terminal, or when --progress asks for it. */
export function progressWriter(asked: boolean): ((line: string) => void) | undefined {
  const tty = process.stderr.isTTY === true;
  if (!tty && !asked) return undefined;
  return (line) => process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
}

/** A warning on a line of its own on stderr; on a terminal the progress line is cleared first. */
export function writeWarning(command: string, message: string): void {
  process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}mcshell ${command}: warning: ${message}\n`);
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * Ctrl-C or SIGTERM ends the session cleanly: a sender tells receivers it aborted, a receiver saves
 * its resume state, and neither leaves a complete-looking output.
 */
export function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
  return controller.signal;
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A session key file: 32 random bytes written as 64 hex digits (e.g. `openssl rand -hex 32 > key`). */
export function readKeyFile(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  const text = readFlagFile(flag, path).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new UsageError(`--${flag}: ${path} must hold a 32-byte key as 64 hex digits (make one with: openssl rand -hex 32 > ${path}); it holds ${text.length} characters${/^[0-9a-fA-F]*$/.test(text) ? '' : ' that are not all hex digits'}`);
  }
  return Buffer.from(text, 'hex');
}

/** An Ed25519 key in a PEM file: the private key for signing, the public one for verifying. */
export function readEd25519(flag: string, path: string | undefined, type: 'private' | 'public'): KeyObject | undefined {
  if (path === undefined) return undefined;
  const pem = readFlagFile(flag, path);
  let key: KeyObject;
  try {
    key = type === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw new UsageError(`--${flag}: ${path} is not a PEM ${type} key (${(e as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(`--${flag}: ${path} holds a${key.asymmetricKeyType ? `n ${key.asymmetricKeyType}` : ''} key, not Ed25519 (make one with: openssl genpkey -algorithm ed25519 -out sign.pem; openssl pkey -in sign.pem -pubout -out verify.pem)`);
  }
  return key;
}
