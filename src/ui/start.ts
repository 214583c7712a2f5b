// Entry of the interactive shell. React's development build only adds checks for React
// developers and costs about half as much again per dashboard frame: use the production build
// unless NODE_ENV says otherwise. It must be chosen before React loads, hence the dynamic import.
process.env['NODE_ENV'] ??= 'production';

export const { runInteractive } = await import('./interactive.js');
