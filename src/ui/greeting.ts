// What the interactive shell shows first. start.ts writes it before the UI is loaded, so this
// module stays free of Ink and React.
export const PROMPT = 'mcs> ';

export const banner = (version: string) => `mcshell ${version} — Get-Help for help, Get-Command to list commands, Tab completes, Ctrl+R searches history, Ctrl+D exits.`;
