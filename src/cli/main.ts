// mcshell entry point. Subcommands are loaded lazily so `mcshell -c …` imports only the shell,
// and `mcshell send` imports only the transport. Each subcommand module exports
// `main(argv: string[]): Promise<number>` returning the process exit code.

const subcommands: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  send: () => import('./commands/send.js'),
  receive: () => import('./commands/receive.js'),
  client: () => import('./commands/client.js'),
  serve: () => import('./commands/serve.js'),
  demo: () => import('./commands/demo.js'),
};

async function run(argv: string[]): Promise<number> {
  const load = argv.length > 0 ? subcommands[argv[0]!] : undefined;
  if (load) return (await load()).main(argv.slice(1));
  return (await import('./shell.js')).main(argv);
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
