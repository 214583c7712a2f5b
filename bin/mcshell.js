#!/usr/bin/env node
// The built CLI lives in dist/ (npm install / npm ci runs `tsc` through the prepare script).
import '../dist/src/cli/main.js';
