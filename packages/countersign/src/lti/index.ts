/**
 * `countersign/lti`: LTI 1.1 tool providers. Verify a launch from any LMS (`verifyLaunch`) and read
 * it as typed data, answer a refused one (`launchRefusal`: a redirect to the LMS, or the problem as
 * an HTML page), and send grades back (`OutcomesClient`, LTI Basic Outcomes 1.1).
 */
export {
  type Launch,
  type LaunchOptions,
  type LtiContentItemRequest,
  type LtiContext,
  type LtiOutcome,
  type LtiPerson,
  type LtiPresentation,
  type LtiResourceLink,
  type LtiToolConsumer,
  verifyLaunch,
} from './launch.js';
export { LTI_MESSAGE_TYPES, LTI_VERSION, type LtiMessageType } from './launch-checks.js';
export { launchRefusal } from './refusal.js';
export { hasRole, type LtiRole, parseRoles, type RoleScope } from './roles.js';
export { OutcomeError, type OutcomeErrorCode, OutcomesClient, type OutcomesOptions } from './outcomes.js';
export type { CodeMajor, OutcomeOperation, PoxStatus } from './pox.js';
