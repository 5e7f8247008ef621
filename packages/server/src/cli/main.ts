#!/usr/bin/env node
/** The `countersign` command (see `command-tree.ts` for the commands). */
import { dispatch } from './command-tree.js';

process.exitCode = await dispatch(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
});
