/**
 * The common passwords a new password must not be (NIST SP 800-63B §3.1.1.2: "passwords obtained
 * from previous breach corpuses", "commonly-used passwords"). The list is zxcvbn's, shipped as data
 * by @zxcvbn-ts/language-common (MIT), built from breached-password frequency lists.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/** Whether `password` (compared in lower case) is on the list. */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary.passwords.map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}
