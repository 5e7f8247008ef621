#!/usr/bin/env node
/**
 * The `countersign` command: dispatches to one module per command and turns bad input into a
 * one-line error with exit code 2.
 */
import { errors, isOAuthProblem } from 'countersign';
import { CliError } from './cli-error.js';
import * as admin from './commands/admin.js';
import * as authorizeCommand from './commands/authorize.js';
import * as requestCommand from './commands/request.js';
import * as secretsCommand from './commands/secrets.js';
import * as serveCommand from './commands/serve.js';
import * as signCommand from './commands/sign.js';

interface Command {
  readonly usage: string;
  run(args: string[], out: (line: string) => void): void | Promise<void>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { usage: serveCommand.usage, run: serveCommand.serve },
  user: { usage: admin.usage.user, run: admin.user },
  consumer: { usage: admin.usage.consumer, run: admin.consumer },
  approve: { usage: admin.usage.approve, run: admin.approve },
  deny: { usage: admin.usage.deny, run: admin.deny },
  token: { usage: admin.usage.token, run: admin.token },
  secrets: { usage: secretsCommand.usage, run: secretsCommand.secrets },
  sign: { usage: signCommand.usage, run: signCommand.sign },
  request: { usage: requestCommand.usage, run: requestCommand.request },
  authorize: { usage: authorizeCommand.usage, run: authorizeCommand.authorize },
};

function help(): string {
  return [
    'Countersign — an OAuth 1.0a service provider.',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.replaceAll('\n', '\n  ')}`),
    '',
    'Every command that opens the store also takes --key-file FILE (or COUNTERSIGN_KEY_FILE, or the',
    'keys themselves in COUNTERSIGN_SECRET_KEY): the keys that encrypt its secrets. Without one,',
    'SQLite uses the key file beside the database (made the first time); PostgreSQL needs one.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`countersign: unknown command ${JSON.stringify(name)} (try "countersign help")`);
    return 2;
  }
  try {
    await command.run(args, (line) => console.log(line));
    // A command may set its own exit code (request does, for an HTTP error).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (
      error instanceof CliError ||
      isOAuthProblem(error) ||
      error instanceof errors.MalformedInputError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`countersign ${name}: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
