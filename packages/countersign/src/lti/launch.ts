/**
 * Verifying an LTI 1.1 launch and reading it as typed data: the provider checks the signature
 * (`provider.verifyLaunch`: an LTI consumer, consumer-only, `oauth_callback=about:blank`, nonce and
 * timestamp as everywhere), then the launch's own parameters are checked (`launch-checks.ts`) and
 * read into a {@link Launch}. A refusal after the signature verified remembers the launch's signed
 * `launch_presentation_return_url`, so that `launchRefusal` may send the user back there.
 */
import type { Parameter } from '../core/parameters.js';
import { isOAuthProblem } from '../problems/oauth-problem.js';
import type { Consumer } from '../provider/model.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest } from '../provider/verify.js';
import { checkLaunchParameters, LTI_MESSAGE_TYPES, type LtiMessageType } from './launch-checks.js';
import { rememberReturnUrl } from './refusal.js';
import { type LtiRole, parseRoles } from './roles.js';

/** Who launched, as the LMS describes them (each field only when sent). */
export interface LtiPerson {
  readonly givenName?: string | undefined;
  readonly familyName?: string | undefined;
  readonly fullName?: string | undefined;
  readonly email?: string | undefined;
  /** The person's id in the LMS's student information system (`lis_person_sourcedid`). */
  readonly sourcedid?: string | undefined;
  readonly image?: string | undefined;
}

/** The course (or group) the link is in. */
export interface LtiContext {
  readonly id: string;
  readonly title?: string | undefined;
  readonly label?: string | undefined;
  /** `context_type`, split on commas (`CourseSection`, `urn:lti:context-type:ims/lis/CourseOffering`). */
  readonly types: readonly string[];
}

/** The link in the course that was followed. */
export interface LtiResourceLink {
  readonly id: string;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
}

/** How the LMS shows the tool (`launch_presentation_*`). */
export interface LtiPresentation {
  readonly returnUrl?: string | undefined;
  /** `iframe`, `window`, `frame`, `popup`, `embed` or `overlay`. */
  readonly documentTarget?: string | undefined;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  readonly locale?: string | undefined;
  readonly cssUrl?: string | undefined;
}

/** Where a grade for this launch goes (LTI Basic Outcomes): both are sent, or there is none. */
export interface LtiOutcome {
  /** `lis_outcome_service_url`. */
  readonly serviceUrl: string;
  /** `lis_result_sourcedid`: which result (user, link) the grade is for. */
  readonly sourcedid: string;
}

/** The LMS instance that launched (`tool_consumer_*`). */
export interface LtiToolConsumer {
  readonly instanceGuid?: string | undefined;
  readonly instanceName?: string | undefined;
  readonly instanceDescription?: string | undefined;
  readonly instanceUrl?: string | undefined;
  readonly contactEmail?: string | undefined;
  /** `canvas`, `moodle`, `sakai`, `desire2learn`, `BlackboardLearn`, … */
  readonly productFamilyCode?: string | undefined;
  readonly version?: string | undefined;
}

/** A Content-Item selection request's own fields (Content-Item Message 1.0). */
export interface LtiContentItemRequest {
  readonly returnUrl: string;
  readonly acceptMediaTypes: readonly string[];
  readonly acceptPresentationDocumentTargets: readonly string[];
  readonly acceptUnsigned: boolean;
  readonly acceptMultiple: boolean;
  readonly autoCreate: boolean;
  readonly canConfirm: boolean;
  /** Opaque data to send back with the selection. */
  readonly data?: string | undefined;
  readonly title?: string | undefined;
  readonly text?: string | undefined;
}

/** A verified LTI 1.1 launch. */
export interface Launch {
  readonly messageType: LtiMessageType;
  readonly version: 'LTI-1p0';
  /** The LMS, as registered with this provider. */
  readonly consumer: Consumer;
  readonly userId?: string | undefined;
  readonly roles: readonly LtiRole[];
  readonly person: LtiPerson;
  readonly context?: LtiContext | undefined;
  /** Always there for a Basic Launch; a Content-Item request may come from no link. */
  readonly resourceLink?: LtiResourceLink | undefined;
  readonly presentation: LtiPresentation;
  readonly outcome?: LtiOutcome | undefined;
  readonly toolConsumer: LtiToolConsumer;
  readonly contentItem?: LtiContentItemRequest | undefined;
  /** `custom_*` parameters, by name without the prefix (`custom_chapter` is `custom.chapter`). */
  readonly custom: Readonly<Record<string, string>>;
  /** `ext_*` parameters, by name without the prefix (`ext_lms` is `extensions.lms`). */
  readonly extensions: Readonly<Record<string, string>>;
  /** Every parameter of the launch but the OAuth ones, by name. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** What a tool takes, beyond what LTI requires. */
export interface LaunchOptions {
  /**
   * The message types this tool takes (default both: Basic Launch and Content-Item selection).
   *
   * @defaultValue `['basic-lti-launch-request', 'ContentItemSelectionRequest']`
   */
  readonly messageTypes?: readonly LtiMessageType[] | undefined;
}

/** A record without a prototype, so that a parameter named `__proto__` or `constructor` is only data. */
function record(entries: Iterable<readonly [string, string]>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [name, value] of entries) out[name] = value;
  return out;
}

function prefixed(fields: ReadonlyMap<string, string>, prefix: string): Record<string, string> {
  const entries = [...fields].filter(([name]) => name.startsWith(prefix) && name.length > prefix.length);
  return record(entries.map(([name, value]) => [name.slice(prefix.length), value]));
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function dimension(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
}

/** A field's value; an empty one is as good as absent (LMSs send empty fields for what they lack). */
type Field = (name: string) => string | undefined;

function personOf(get: Field): LtiPerson {
  return {
    givenName: get('lis_person_name_given'),
    familyName: get('lis_person_name_family'),
    fullName: get('lis_person_name_full'),
    email: get('lis_person_contact_email_primary'),
    sourcedid: get('lis_person_sourcedid'),
    image: get('user_image'),
  };
}

function contextOf(get: Field): LtiContext | undefined {
  const id = get('context_id');
  if (id === undefined) return undefined;
  return { id, title: get('context_title'), label: get('context_label'), types: list(get('context_type')) };
}

function resourceLinkOf(get: Field): LtiResourceLink | undefined {
  const id = get('resource_link_id');
  if (id === undefined) return undefined;
  return { id, title: get('resource_link_title'), description: get('resource_link_description') };
}

function presentationOf(get: Field): LtiPresentation {
  return {
    returnUrl: get('launch_presentation_return_url'),
    documentTarget: get('launch_presentation_document_target'),
    width: dimension(get('launch_presentation_width')),
    height: dimension(get('launch_presentation_height')),
    locale: get('launch_presentation_locale'),
    cssUrl: get('launch_presentation_css_url'),
  };
}

function outcomeOf(get: Field): LtiOutcome | undefined {
  const serviceUrl = get('lis_outcome_service_url');
  const sourcedid = get('lis_result_sourcedid');
  return serviceUrl !== undefined && sourcedid !== undefined ? { serviceUrl, sourcedid } : undefined;
}

function toolConsumerOf(get: Field): LtiToolConsumer {
  return {
    instanceGuid: get('tool_consumer_instance_guid'),
    instanceName: get('tool_consumer_instance_name'),
    instanceDescription: get('tool_consumer_instance_description'),
    instanceUrl: get('tool_consumer_instance_url'),
    contactEmail: get('tool_consumer_instance_contact_email'),
    productFamilyCode: get('tool_consumer_info_product_family_code'),
    version: get('tool_consumer_info_version'),
  };
}

function contentItemOf(get: Field): LtiContentItemRequest | undefined {
  const returnUrl = get('content_item_return_url');
  if (returnUrl === undefined) return undefined;
  return {
    returnUrl,
    acceptMediaTypes: list(get('accept_media_types')),
    acceptPresentationDocumentTargets: list(get('accept_presentation_document_targets')),
    acceptUnsigned: get('accept_unsigned') === 'true',
    acceptMultiple: get('accept_multiple') === 'true',
    autoCreate: get('auto_create') === 'true',
    canConfirm: get('can_confirm') === 'true',
    data: get('data'),
    title: get('title'),
    text: get('text'),
  };
}

/** The launch as data, from parameters already checked. */
function launchOf(
  consumer: Consumer,
  messageType: LtiMessageType,
  fields: ReadonlyMap<string, string>,
): Launch {
  const get: Field = (name) => {
    const value = fields.get(name);
    return value === '' ? undefined : value;
  };
  return {
    messageType,
    version: 'LTI-1p0',
    consumer,
    userId: get('user_id'),
    roles: parseRoles(get('roles')),
    person: personOf(get),
    context: contextOf(get),
    resourceLink: resourceLinkOf(get),
    presentation: presentationOf(get),
    outcome: outcomeOf(get),
    toolConsumer: toolConsumerOf(get),
    contentItem: messageType === 'ContentItemSelectionRequest' ? contentItemOf(get) : undefined,
    custom: prefixed(fields, 'custom_'),
    extensions: prefixed(fields, 'ext_'),
    parameters: record(fields),
  };
}

/** Checks and reads what the provider verified; a refusal remembers the signed return URL. */
function readLaunch(verified: VerifiedRequest, accepted: readonly LtiMessageType[]): Launch {
  const parameters = verified.parameters as readonly Parameter[];
  const fields = new Map(parameters.map((p) => [p.name, p.value]));
  try {
    return launchOf(verified.consumer, checkLaunchParameters(parameters, fields, accepted), fields);
  } catch (error) {
    const returnUrl = parameters.filter((p) => p.name === 'launch_presentation_return_url');
    if (isOAuthProblem(error) && returnUrl.length === 1) rememberReturnUrl(error, returnUrl[0]?.value ?? '');
    throw error;
  }
}

/**
 * Verifies an LTI 1.1 launch (a Basic Launch, or a Content-Item selection request) and reads it.
 * Throws an `OAuthProblem` when it is refused; answer it with `launchRefusal`.
 *
 * @example
 * ```ts
 * try {
 *   const launch = await verifyLaunch(provider, request);
 *   console.log(launch.userId, hasRole(launch.roles, 'Instructor'), launch.resourceLink?.title);
 * } catch (error) {
 *   sendWire(res, launchRefusal(provider, error, request));
 * }
 * ```
 */
export function verifyLaunch(
  provider: Provider,
  request: OAuthRequest,
  options: LaunchOptions = {},
): Promise<Launch> {
  const accepted = options.messageTypes ?? LTI_MESSAGE_TYPES;
  if (accepted.length === 0 || accepted.some((t) => !(LTI_MESSAGE_TYPES as readonly string[]).includes(t)))
    return Promise.reject(new TypeError(`messageTypes must name some of ${LTI_MESSAGE_TYPES.join(', ')}`));
  return provider.verifyLaunch(request, (verified) => readLaunch(verified, accepted));
}
