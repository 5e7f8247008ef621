/**
 * Saved credentials for `countersign request`, like twurl's: one JSON file, readable only by its
 * owner (0600), at `$COUNTERSIGN_PROFILES` or `~/.countersign-profiles.json`.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

export interface Profile {
  readonly site: string;
  readonly consumer_key: string;
  readonly consumer_secret: string;
  readonly token: string;
  readonly token_secret: string;
}

interface ProfileFile {
  default?: string;
  profiles: Record<string, Profile>;
}

export function profilesPath(): string {
  return process.env.COUNTERSIGN_PROFILES ?? join(homedir(), '.countersign-profiles.json');
}

function load(): ProfileFile {
  const path = profilesPath();
  if (!existsSync(path)) return { profiles: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ProfileFile;
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch {
    throw new CliError(`${path} is not a valid profiles file`);
  }
}

export function saveProfile(name: string, profile: Profile): string {
  const file = load();
  file.profiles[name] = profile;
  file.default = name;
  const path = profilesPath();
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function loadProfile(name: string | undefined): Profile {
  const file = load();
  const chosen = name ?? file.default;
  const profile = chosen === undefined ? undefined : file.profiles[chosen];
  if (!profile) {
    throw new CliError(
      chosen === undefined
        ? 'no profile yet: run countersign authorize first'
        : `no profile named ${chosen} in ${profilesPath()}`,
    );
  }
  return profile;
}
