/**
 * `countersign user add|suspend|resume`: accounts of the reference server, without a browser. A
 * suspended user is signed out everywhere at once, not only refused at the next sign-in.
 */
import { hashPassword, passwordProblem, userNameProblem } from '../../server/passwords.js';
import { CliError } from '../cli-error.js';
import { command, group } from '../command-definition.js';
import { flag } from '../option-types.js';
import { SECRET_KEY_VARIABLE, STORE_EXCLUSIVE, STORE_OPTIONS, withStore } from '../open-store.js';

async function readStdinLine(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError('--password-stdin reads the password from standard input; pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

const add = command({
  summary: 'Adds a user, reading the password from standard input',
  arguments: ['NAME'],
  options: {
    'password-stdin': flag({
      help: 'read the password from the first line of standard input (never from the command line)',
      required: true,
    }),
    ...STORE_OPTIONS,
  },
  exclusive: STORE_EXCLUSIVE,
  environment: [SECRET_KEY_VARIABLE],
  run: (values, [name = ''], io) =>
    withStore(values, io.env, async (store) => {
      const problem = userNameProblem(name);
      if (problem) throw new CliError(problem);
      if (await store.getUser(name)) throw new CliError(`a user named ${name} already exists`);
      const password = await readStdinLine();
      const weak = passwordProblem(password, name);
      if (weak) throw new CliError(weak);
      const user = { name, status: 'active' as const, passwordHash: await hashPassword(password) };
      if (!(await store.addUser({ ...user, createdAt: Date.now() })))
        throw new CliError(`a user named ${name} already exists`);
      io.out(`user ${name} added`);
    }),
});

function statusChange(action: 'suspend' | 'resume') {
  return command({
    summary:
      action === 'suspend'
        ? 'Suspends a user: signed out everywhere, and refused at sign-in and on every signed request'
        : 'Makes a suspended user active again',
    arguments: ['NAME'],
    options: STORE_OPTIONS,
    exclusive: STORE_EXCLUSIVE,
    environment: [SECRET_KEY_VARIABLE],
    run: (values, [name = ''], io) =>
      withStore(values, io.env, async (store) => {
        const existing = await store.getUser(name);
        if (!existing) throw new CliError(`no user named ${name}`);
        await store.putUser({ ...existing, status: action === 'suspend' ? 'suspended' : 'active' });
        if (action === 'suspend') await store.deleteUserSessions(name);
        io.out(`user ${name} ${action === 'suspend' ? 'suspended' : 'resumed'}`);
      }),
  });
}

export const user = group('Accounts of the reference server', {
  add,
  suspend: statusChange('suspend'),
  resume: statusChange('resume'),
});
