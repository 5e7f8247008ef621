/**
 * Saved credentials for `countersign request`, like twurl's: one JSON file, readable only by its
 * owner (0600), at `$COUNTERSIGN_PROFILES` or `~/.countersign-profiles.json`. A profile without a
 * token is two-legged: its requests are signed with the consumer's credentials alone.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

export interface Profile {
  readonly site: string;
  readonly consumer_key: string;
  readonly consumer_secret: string;
  readonly token?: string | undefined;
  readonly token_secret?: string | undefined;
}

interface ProfileFile {
  default?: string | undefined;
  profiles: Record<string, Profile>;
}

type Env = Readonly<Record<string, string | undefined>>;

export function profilesPath(env: Env = process.env): string {
  return env.COUNTERSIGN_PROFILES ?? join(homedir(), '.countersign-profiles.json');
}

function load(env: Env): ProfileFile {
  const path = profilesPath(env);
  if (!existsSync(path)) return { profiles: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ProfileFile;
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch {
    throw new CliError(`${path} is not a valid profiles file`);
  }
}

/** Writes the whole file under another name, then renames it into place: never half a file. */
function store(file: ProfileFile, env: Env): string {
  const path = profilesPath(env);
  const draft = `${path}.${process.pid}.new`;
  writeFileSync(draft, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(draft, 0o600);
  renameSync(draft, path);
  return path;
}

/** Saves a profile and makes it the default; returns the file's path. */
export function saveProfile(name: string, profile: Profile, env: Env = process.env): string {
  const file = load(env);
  file.profiles[name] = profile;
  file.default = name;
  return store(file, env);
}

/** The profile named, or the default one. */
export function loadProfile(name: string | undefined, env: Env = process.env): Profile {
  const file = load(env);
  const chosen = name ?? file.default;
  const profile = chosen === undefined ? undefined : file.profiles[chosen];
  if (!profile) {
    throw new CliError(
      chosen === undefined
        ? 'no profile yet: run countersign authorize (or countersign profile add) first'
        : `no profile named ${chosen} in ${profilesPath(env)}`,
    );
  }
  return profile;
}

/** Every profile's name, site and kind, and which one is the default. */
export function listProfiles(env: Env = process.env): {
  readonly default: string | undefined;
  readonly profiles: readonly { name: string; site: string; twoLegged: boolean }[];
} {
  const file = load(env);
  return {
    default: file.default,
    profiles: Object.entries(file.profiles).map(([name, p]) => ({
      name,
      site: p.site,
      twoLegged: p.token === undefined,
    })),
  };
}

/** Makes an existing profile the default. */
export function useProfile(name: string, env: Env = process.env): void {
  const file = load(env);
  if (!file.profiles[name]) throw new CliError(`no profile named ${name} in ${profilesPath(env)}`);
  file.default = name;
  store(file, env);
}

/** Removes a profile; the default moves to none when it was the default. */
export function removeProfile(name: string, env: Env = process.env): void {
  const file = load(env);
  if (!file.profiles[name]) throw new CliError(`no profile named ${name} in ${profilesPath(env)}`);
  delete file.profiles[name];
  if (file.default === name) file.default = undefined;
  store(file, env);
}
