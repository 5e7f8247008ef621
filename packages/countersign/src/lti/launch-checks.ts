/**
 * What LTI 1.1 requires of a launch's own parameters, once its signature is verified (LTI 1.1
 * Implementation Guide §B.1; Content-Item Message 1.0 §4.1): each sent once; `lti_message_type`
 * and `lti_version` always; `resource_link_id` for a Basic Launch; `content_item_return_url`,
 * `accept_media_types` and `accept_presentation_document_targets` for a Content-Item selection
 * request. A refusal is `parameter_absent` naming every missing one, or `parameter_rejected` naming
 * the offending value, with advice an LMS administrator can act on.
 */
import type { Parameter } from '../core/parameters.js';
import { OAuthProblem, rejectParameter } from '../problems/oauth-problem.js';

/** The LTI 1.1 messages a tool provider takes. */
export const LTI_MESSAGE_TYPES = ['basic-lti-launch-request', 'ContentItemSelectionRequest'] as const;
export type LtiMessageType = (typeof LTI_MESSAGE_TYPES)[number];

/** The one `lti_version` of LTI 1.0 and 1.1 launches (LTI 1.1 did not change it). */
export const LTI_VERSION = 'LTI-1p0';

const REQUIRED: Readonly<Record<LtiMessageType, readonly string[]>> = {
  'basic-lti-launch-request': ['lti_message_type', 'lti_version', 'resource_link_id'],
  ContentItemSelectionRequest: [
    'lti_message_type',
    'lti_version',
    'content_item_return_url',
    'accept_media_types',
    'accept_presentation_document_targets',
  ],
};

const WHY: Readonly<Record<string, string>> = {
  lti_message_type: 'says what the launch is (basic-lti-launch-request)',
  lti_version: 'says it is LTI 1.x (LTI-1p0)',
  resource_link_id: 'names the link in the course that was followed',
  content_item_return_url: 'says where the selected items go',
  accept_media_types: 'says which media types may be selected',
  accept_presentation_document_targets: 'says how the selection may be shown',
};

function isMessageType(value: string, accepted: readonly LtiMessageType[]): value is LtiMessageType {
  return (accepted as readonly string[]).includes(value);
}

/** Refuses a launch parameter sent more than once: the tool could not know which one the LMS meant. */
function checkRepeated(parameters: readonly Parameter[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { name } of parameters) (seen.has(name) ? repeated : seen).add(name);
  if (repeated.size === 0) return;
  throw new OAuthProblem('parameter_rejected', {
    parametersRejected: parameters.filter((p) => repeated.has(p.name)).map((p) => [p.name, p.value]),
    advice: `A launch sends each parameter once; this one has ${[...repeated].join(', ')} more than once (in the launch URL's query and the form, perhaps).`,
  });
}

/**
 * Checks a verified launch's parameters; returns its message type. `accepted` narrows the message
 * types this tool takes.
 */
export function checkLaunchParameters(
  parameters: readonly Parameter[],
  fields: ReadonlyMap<string, string>,
  accepted: readonly LtiMessageType[],
): LtiMessageType {
  checkRepeated(parameters);
  const type = fields.get('lti_message_type') ?? '';
  // Without a message type the launch is read as a Basic Launch; of an unknown one, only what every message needs.
  const required = isMessageType(type, accepted)
    ? REQUIRED[type]
    : type === ''
      ? REQUIRED['basic-lti-launch-request']
      : ['lti_message_type', 'lti_version'];
  const absent = required.filter((name) => (fields.get(name) ?? '') === '');
  if (absent.length > 0) {
    throw new OAuthProblem('parameter_absent', {
      parametersAbsent: absent,
      advice: `This launch has no ${absent.join(', ')}: ${absent.map((n) => `${n} ${WHY[n] ?? ''}`).join('; ')}. An LMS sends them with every LTI 1.1 launch; the launch was not made by an LTI 1.1 link, or something between the LMS and this tool dropped them.`,
    });
  }
  if (!isMessageType(type, accepted)) {
    throw rejectParameter(
      'lti_message_type',
      type,
      `This tool takes ${accepted.join(' and ')} messages, not ${JSON.stringify(type)}.`,
    );
  }
  const version = fields.get('lti_version') ?? '';
  if (version !== LTI_VERSION) {
    throw rejectParameter(
      'lti_version',
      version,
      `This tool takes LTI 1.1 launches, which say lti_version=${LTI_VERSION}, not ${JSON.stringify(version)} (LTI 1.3 launches are signed JWTs, not OAuth 1.0a).`,
    );
  }
  return type;
}
