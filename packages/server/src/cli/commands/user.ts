/**
 * `countersign user add|suspend|resume`: accounts of the reference server, without a browser. A
 * suspended user is signed out everywhere at once, not only refused at the next sign-in.
 */
import { createProvider } from 'countersign';
import { hashPassword, passwordProblem, userNameProblem } from '../../server/passwords.js';
import { addUser } from '../../server/users.js';
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
  summary:
    'Adds a user, reading the password from standard input (or gives one to a user imported without one)',
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
    withStore(values, io.env, async ({ store, data }) => {
      const problem = userNameProblem(name);
      if (problem) throw new CliError(problem);
      // A user without an account (brought by `import`) is given one; a user with one is refused.
      const existing = await store.getUser(name);
      if (existing && (await data.getPasswordHash(name)) !== undefined)
        throw new CliError(`a user named ${name} already exists`);
      const password = await readStdinLine();
      const weak = passwordProblem(password, name);
      if (weak) throw new CliError(weak);
      const hash = await hashPassword(password);
      if (existing) {
        if (!(await data.addAccount(name, hash, Date.now())))
          throw new CliError(`a user named ${name} already exists`);
        io.out(`user ${name} given a password`);
        return;
      }
      if (!(await addUser(createProvider({ store }), data, name, hash, Date.now())))
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
      withStore(values, io.env, async ({ store, data }) => {
        const provider = createProvider({ store });
        if (action === 'suspend') {
          await provider.suspendUser(name);
          // A suspended user is signed out everywhere, not only refused at the next sign-in.
          await data.deleteUserSessions(name);
        } else {
          await provider.resumeUser(name);
        }
        io.out(`user ${name} ${action === 'suspend' ? 'suspended' : 'resumed'}`);
      }),
  });
}

export const user = group('Accounts of the reference server', {
  add,
  suspend: statusChange('suspend'),
  resume: statusChange('resume'),
});
