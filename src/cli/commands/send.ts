// Placeholder until the transport lands: `mcshell send` is implemented by the transport work (issue 3).
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('mcshell send: not implemented yet\n');
  return 2;
}
