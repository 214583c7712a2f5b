// Types of the bundle scripts/build-ui.mjs makes of interactive.tsx.
export * from './interactive.js';
