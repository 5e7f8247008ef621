#!/usr/bin/env node
// The `countersign` command: runs the built CLI (`npm run build` makes it in a checkout).
import '../dist/cli/main.js';
