// mcshell entry point. Subcommands are loaded lazily so `mcshell -c …` imports only the shell,
// and `mcshell send` imports only the transport. Each subcommand module exports
// `main(argv: string[]): Promise<number>` returning the process exit code.
import { opensInteractiveShell, parseCommandLine, SUBCOMMANDS, UsageError } from './options.js';

const subcommands: Record<keyof typeof SUBCOMMANDS, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  send: () => import('./commands/send.js'),
  receive: () => import('./commands/receive.js'),
  client: () => import('./commands/client.js'),
  capture: () => import('./commands/capture.js'),
  serve: () => import('./commands/serve.js'),
  demo: () => import('./commands/demo.js'),
};

/**
 * A script run (`-c`, a file, stdin) loads the shell from dist/bundle, where scripts/build-shell.mjs
 * bundles it with the language, the runtime and the cmdlets into a few files: Node then resolves
 * and reads those instead of ~35 modules, a fifth of the start-up. The interactive shell loads the
 * compiled modules, which its UI bundle shares (scripts/build-ui.mjs).
 */
function shellModule(argv: string[]): string {
  try {
    if (opensInteractiveShell(parseCommandLine(argv))) return './shell.js';
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
  }
  return '../../bundle/shell.js';
}

async function run(argv: string[]): Promise<number> {
  const load = argv.length > 0 && Object.hasOwn(subcommands, argv[0]!) ? subcommands[argv[0] as keyof typeof SUBCOMMANDS] : undefined;
  if (load) return (await load()).main(argv.slice(1));
  const shell = (await import(shellModule(argv))) as typeof import('./shell.js');
  return shell.main(argv);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mcshell: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
