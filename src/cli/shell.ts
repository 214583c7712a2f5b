// Placeholder until the shell lands (issue 2): the command-line front end of the language runtime.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('mcshell: the shell is not implemented yet\n');
  return 2;
}
