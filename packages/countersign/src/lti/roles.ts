/**
 * LTI 1.1 roles (LTI 1.1 Implementation Guide §B.2, the LIS vocabularies): `roles` is a
 * comma-separated list of URNs — `urn:lti:role:ims/lis/Instructor` (a context role),
 * `urn:lti:instrole:ims/lis/Faculty` (an institution role), `urn:lti:sysrole:ims/lis/SysAdmin` (a
 * system role), with sub-roles after a slash (`.../TeachingAssistant/Grader`) — or of bare context
 * role names (`Instructor`), which the guide says mean `urn:lti:role:ims/lis/Instructor`. Some LMSs
 * send the LIS v2 vocabulary's URIs (`http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`)
 * instead; they are read the same way.
 */

/** Where a role holds: in the launch's context (course), the institution, or the whole system. */
export type RoleScope = 'context' | 'institution' | 'system';

/** One role of the launching user. */
export interface LtiRole {
  /** The role as a full URN (a bare name made full), or as sent when it is of no known vocabulary. */
  readonly urn: string;
  /** `undefined` for a role of no known vocabulary. */
  readonly scope: RoleScope | undefined;
  /** The role's short name (`Instructor`, `Learner`, `Administrator`), or the whole value when unknown. */
  readonly name: string;
  /** The sub-role, when one is named (`Grader` in `.../TeachingAssistant/Grader`). */
  readonly subRole?: string | undefined;
}

const URN_SCOPES: readonly (readonly [string, RoleScope])[] = [
  ['urn:lti:role:ims/lis/', 'context'],
  ['urn:lti:instrole:ims/lis/', 'institution'],
  ['urn:lti:sysrole:ims/lis/', 'system'],
  ['http://purl.imsglobal.org/vocab/lis/v2/membership#', 'context'],
  ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#', 'institution'],
  ['http://purl.imsglobal.org/vocab/lis/v2/system/person#', 'system'],
];

/** A role name as the vocabularies write them: letters, digits and `_`. */
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Reads one role, as a URN of a known vocabulary, a bare context role name, or as it is. */
export function parseRole(value: string): LtiRole {
  for (const [prefix, scope] of URN_SCOPES) {
    if (!value.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    const [name = '', subRole] = value.slice(prefix.length).split('/', 2);
    if (NAME.test(name)) return { urn: value, scope, name, ...(subRole ? { subRole } : {}) };
  }
  if (NAME.test(value)) return { urn: `urn:lti:role:ims/lis/${value}`, scope: 'context', name: value };
  return { urn: value, scope: undefined, name: value };
}

/**
 * Reads a `roles` value: comma-separated, each item trimmed, empty items and repeats dropped.
 *
 * @example
 * ```ts
 * parseRoles('Instructor,urn:lti:instrole:ims/lis/Administrator');
 * // [{ urn: 'urn:lti:role:ims/lis/Instructor', scope: 'context', name: 'Instructor' },
 * //  { urn: 'urn:lti:instrole:ims/lis/Administrator', scope: 'institution', name: 'Administrator' }]
 * ```
 */
export function parseRoles(value: string | undefined): LtiRole[] {
  const seen = new Set<string>();
  const roles: LtiRole[] = [];
  for (const item of (value ?? '').split(',')) {
    const role = parseRole(item.trim());
    if (role.urn === '' || seen.has(role.urn)) continue;
    seen.add(role.urn);
    roles.push(role);
  }
  return roles;
}

/**
 * Whether the roles include `name` (`Instructor`, `Learner`, `Administrator`, …), in any scope
 * unless one is given; names compare without regard to case, as LMSs vary.
 *
 * @example
 * ```ts
 * if (hasRole(launch.roles, 'Instructor')) showGradebook();
 * hasRole(launch.roles, 'Administrator', 'system');
 * ```
 */
export function hasRole(roles: readonly LtiRole[], name: string, scope?: RoleScope): boolean {
  const wanted = name.toLowerCase();
  return roles.some((r) => r.name.toLowerCase() === wanted && (scope === undefined || r.scope === scope));
}
