#!/usr/bin/env node
// Runs after `tsc` (npm run build / prepare / test): writes dist/cmdlets/manifest.json, the brief of
// every cmdlet that Get-Command lists without importing the cmdlets (see cmdlets/manifest.ts).
import { commands } from '../dist/cmdlets/index.js';
import { writeManifest } from '../dist/cmdlets/manifest.js';

await writeManifest(commands);
