/** The sample API's scopes, in the plain words the consent page uses. */
export const SCOPE_WORDS: Readonly<Record<string, string>> = {
  read_public: 'See your user name',
  write_public: 'Publish on your behalf',
  read_private: 'Read your private notes',
  write_private: 'Create and delete your private notes',
};

export const KNOWN_SCOPES = Object.keys(SCOPE_WORDS);

export function scopeWords(scope: string): string {
  return SCOPE_WORDS[scope] ?? scope;
}
