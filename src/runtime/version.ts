// mcshell's version: `mcshell --version`, the banner and $PSVersionTable.MCShellVersion.
export const MCSHELL_VERSION = '0.1.0';
