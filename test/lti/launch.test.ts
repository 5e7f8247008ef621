/**
 * `countersign/lti` launches without HTTP: a launch read as typed data, every refusal of its own
 * parameters with advice naming what is wrong, and how a refusal is answered (a redirect to the signed
 * return URL only after the signature verified; otherwise the problem, as a page for a browser).
 */
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import {
  hasRole,
  launchRefusal,
  parseRoles,
  verifyLaunch,
} from '../../packages/countersign/src/lti/index.js';
import { isOAuthProblem, type OAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type ProblemReport } from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const NOW = 1_800_000_000_000;
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A launch as Canvas sends one: every parameter in the auto-submitted form. */
const CANVAS: [string, string][] = [
  ['lti_message_type', 'basic-lti-launch-request'],
  ['lti_version', 'LTI-1p0'],
  ['resource_link_id', '4c2d3e0f'],
  ['resource_link_title', 'Week 3: Graphs'],
  ['user_id', 'b7a1c2'],
  [
    'roles',
    'Instructor,urn:lti:instrole:ims/lis/Administrator,urn:lti:role:ims/lis/TeachingAssistant/Grader',
  ],
  ['lis_person_name_given', 'Ada'],
  ['lis_person_name_family', 'Lovelace'],
  ['lis_person_name_full', 'Ada Lovelace'],
  ['lis_person_contact_email_primary', 'ada@school.example'],
  ['context_id', 'c-101'],
  ['context_title', 'Analytical Engines'],
  ['context_label', 'AE101'],
  ['context_type', 'CourseSection'],
  [
    'launch_presentation_return_url',
    'https://lms.example/courses/101/external_content/success/external_tool_redirect',
  ],
  ['launch_presentation_document_target', 'iframe'],
  ['launch_presentation_width', '800'],
  ['launch_presentation_locale', 'en'],
  ['lis_outcome_service_url', 'https://lms.example/api/lti/v1/tools/7/grade_passback'],
  ['lis_result_sourcedid', '7-101-4c2d3e0f-b7a1c2-signed'],
  ['tool_consumer_instance_guid', 'lms.example'],
  ['tool_consumer_info_product_family_code', 'canvas'],
  ['tool_consumer_info_version', 'cloud'],
  ['custom_chapter', '3'],
  ['custom___proto__', 'data'],
  ['ext_roles', 'urn:lti:instrole:ims/lis/Instructor'],
  ['oauth_callback', 'about:blank'],
];

async function world() {
  const reports: ProblemReport[] = [];
  const provider = createProvider({
    store: new MemoryStore(),
    clock: () => NOW,
    onProblem: (report) => {
      reports.push(report);
    },
  });
  const lms = await provider.registerConsumer({
    name: 'Canvas',
    owner: 'admin',
    lti: true,
    key: 'canvas-school',
  });
  return { provider, lms, reports };
}

function launchRequest(
  lms: Pick<Consumer, 'key' | 'secret'>,
  fields: [string, string][],
  accept?: string,
): OAuthRequest {
  const protocol = fields.filter(([n]) => n.startsWith('oauth_'));
  const form = fields.filter(([n]) => !n.startsWith('oauth_'));
  const { oauthParameters } = signRequest({
    method: 'POST',
    url: 'https://tool.example/lti/launch',
    form,
    consumerKey: lms.key,
    consumerSecret: lms.secret,
    timestamp: String(NOW / 1000),
    extra: Object.fromEntries(protocol),
  });
  return {
    method: 'POST',
    target: '/lti/launch',
    headers: {
      host: 'tool.example',
      'content-type': 'application/x-www-form-urlencoded',
      ...(accept ? { accept } : {}),
    },
    secure: true,
    body: new URLSearchParams([...form, ...oauthParameters]).toString(),
  };
}

const without = (...names: string[]) => CANVAS.filter(([n]) => !names.includes(n));
const replacing = (name: string, value: string) =>
  CANVAS.map(([n, v]): [string, string] => [n, n === name ? value : v]);

async function refused(promise: Promise<unknown>): Promise<OAuthProblem> {
  try {
    await promise;
  } catch (error) {
    if (isOAuthProblem(error)) return error;
    throw error;
  }
  throw new Error('the launch was not refused');
}

describe('a verified launch', () => {
  it('is read as typed data', async () => {
    const { provider, lms } = await world();
    const launch = await verifyLaunch(provider, launchRequest(lms, CANVAS));
    expect(launch).toMatchObject({
      messageType: 'basic-lti-launch-request',
      version: 'LTI-1p0',
      userId: 'b7a1c2',
      person: {
        givenName: 'Ada',
        familyName: 'Lovelace',
        fullName: 'Ada Lovelace',
        email: 'ada@school.example',
      },
      context: { id: 'c-101', title: 'Analytical Engines', label: 'AE101', types: ['CourseSection'] },
      resourceLink: { id: '4c2d3e0f', title: 'Week 3: Graphs' },
      presentation: { documentTarget: 'iframe', width: 800, locale: 'en' },
      outcome: {
        serviceUrl: 'https://lms.example/api/lti/v1/tools/7/grade_passback',
        sourcedid: '7-101-4c2d3e0f-b7a1c2-signed',
      },
      toolConsumer: { instanceGuid: 'lms.example', productFamilyCode: 'canvas', version: 'cloud' },
    });
    expect(launch.consumer).toMatchObject({ key: 'canvas-school', name: 'Canvas', lti: true });
    expect(launch.contentItem).toBeUndefined();
    expect(Object.entries(launch.custom)).toEqual([
      ['chapter', '3'],
      ['__proto__', 'data'],
    ]);
    expect(Object.getPrototypeOf(launch.custom)).toBeNull();
    expect({ ...launch.extensions }).toEqual({ roles: 'urn:lti:instrole:ims/lis/Instructor' });
    expect(launch.parameters.resource_link_title).toBe('Week 3: Graphs');
    expect(launch.parameters.oauth_callback).toBeUndefined();
  });

  it('reads roles as full URNs and short names both', async () => {
    const { provider, lms } = await world();
    const { roles } = await verifyLaunch(provider, launchRequest(lms, CANVAS));
    expect(roles).toEqual([
      { urn: 'urn:lti:role:ims/lis/Instructor', scope: 'context', name: 'Instructor' },
      { urn: 'urn:lti:instrole:ims/lis/Administrator', scope: 'institution', name: 'Administrator' },
      {
        urn: 'urn:lti:role:ims/lis/TeachingAssistant/Grader',
        scope: 'context',
        name: 'TeachingAssistant',
        subRole: 'Grader',
      },
    ]);
    expect(hasRole(roles, 'Instructor')).toBe(true);
    expect(hasRole(roles, 'instructor', 'context')).toBe(true);
    expect(hasRole(roles, 'Administrator', 'system')).toBe(false);
    expect(hasRole(roles, 'Learner')).toBe(false);
    expect(parseRoles('Learner, urn:lti:sysrole:ims/lis/SysAdmin,Learner,,x y')).toEqual([
      { urn: 'urn:lti:role:ims/lis/Learner', scope: 'context', name: 'Learner' },
      { urn: 'urn:lti:sysrole:ims/lis/SysAdmin', scope: 'system', name: 'SysAdmin' },
      { urn: 'x y', scope: undefined, name: 'x y' },
    ]);
    expect(parseRoles('http://purl.imsglobal.org/vocab/lis/v2/membership#Learner')).toMatchObject([
      { scope: 'context', name: 'Learner' },
    ]);
  });

  it('reads a Content-Item selection request, which needs no resource link', async () => {
    const { provider, lms } = await world();
    const launch = await verifyLaunch(
      provider,
      launchRequest(lms, [
        ['lti_message_type', 'ContentItemSelectionRequest'],
        ['lti_version', 'LTI-1p0'],
        ['content_item_return_url', 'https://lms.example/content_items'],
        ['accept_media_types', 'application/vnd.ims.lti.v1.ltilink,text/html'],
        ['accept_presentation_document_targets', 'iframe,window'],
        ['accept_multiple', 'true'],
        ['data', 'opaque'],
      ]),
    );
    expect(launch.messageType).toBe('ContentItemSelectionRequest');
    expect(launch.resourceLink).toBeUndefined();
    expect(launch.contentItem).toEqual({
      returnUrl: 'https://lms.example/content_items',
      acceptMediaTypes: ['application/vnd.ims.lti.v1.ltilink', 'text/html'],
      acceptPresentationDocumentTargets: ['iframe', 'window'],
      acceptUnsigned: false,
      acceptMultiple: true,
      autoCreate: false,
      canConfirm: false,
      data: 'opaque',
      title: undefined,
      text: undefined,
    });
  });

  it('has no outcome unless both the service URL and the sourcedid are sent', async () => {
    const { provider, lms } = await world();
    const launch = await verifyLaunch(provider, launchRequest(lms, without('lis_result_sourcedid')));
    expect(launch.outcome).toBeUndefined();
  });
});

describe('a refusal of the launch itself', () => {
  it.each([
    ['lti_message_type', without('lti_message_type'), ['lti_message_type'], 'says what the launch is'],
    ['lti_version', without('lti_version'), ['lti_version'], 'says it is LTI 1.x (LTI-1p0)'],
    ['resource_link_id', without('resource_link_id'), ['resource_link_id'], 'names the link in the course'],
    [
      'all three',
      without('lti_message_type', 'lti_version', 'resource_link_id'),
      ['lti_message_type', 'lti_version', 'resource_link_id'],
      'An LMS sends them with every LTI 1.1 launch',
    ],
    [
      'an empty resource_link_id',
      replacing('resource_link_id', ''),
      ['resource_link_id'],
      'This launch has no resource_link_id',
    ],
  ])('without %s is parameter_absent, naming every missing one', async (_what, fields, absent, advice) => {
    const { provider, lms } = await world();
    const problem = await refused(verifyLaunch(provider, launchRequest(lms, fields)));
    expect(problem.problem).toBe('parameter_absent');
    expect(problem.details.parametersAbsent).toEqual(absent);
    expect(problem.advice).toContain(advice);
  });

  it('of a Content-Item request names what it lacks', async () => {
    const { provider, lms } = await world();
    const problem = await refused(
      verifyLaunch(
        provider,
        launchRequest(lms, [
          ['lti_message_type', 'ContentItemSelectionRequest'],
          ['lti_version', 'LTI-1p0'],
        ]),
      ),
    );
    expect(problem.details.parametersAbsent).toEqual([
      'content_item_return_url',
      'accept_media_types',
      'accept_presentation_document_targets',
    ]);
  });

  it.each([
    ['lti_version', 'LTI-2p0', 'LTI 1.1 launches, which say lti_version=LTI-1p0, not "LTI-2p0"'],
    ['lti_message_type', 'ToolProxyRegistrationRequest', 'not "ToolProxyRegistrationRequest"'],
  ])('with a wrong %s is parameter_rejected', async (name, value, advice) => {
    const { provider, lms } = await world();
    const problem = await refused(verifyLaunch(provider, launchRequest(lms, replacing(name, value))));
    expect(problem.problem).toBe('parameter_rejected');
    expect(problem.details.parametersRejected).toEqual([[name, value]]);
    expect(problem.advice).toContain(advice);
  });

  it('takes only the message types a tool asks for', async () => {
    const { provider, lms } = await world();
    const request = launchRequest(lms, CANVAS);
    const problem = await refused(
      verifyLaunch(provider, request, { messageTypes: ['ContentItemSelectionRequest'] }),
    );
    expect(problem.advice).toBe(
      'This tool takes ContentItemSelectionRequest messages, not "basic-lti-launch-request".',
    );
    await expect(verifyLaunch(provider, request, { messageTypes: [] })).rejects.toThrow(TypeError);
  });

  it('of a parameter sent twice is parameter_rejected', async () => {
    const { provider, lms } = await world();
    const problem = await refused(
      verifyLaunch(provider, launchRequest(lms, [...CANVAS, ['user_id', 'admin']])),
    );
    expect(problem.problem).toBe('parameter_rejected');
    expect(problem.details.parametersRejected).toEqual([
      ['user_id', 'b7a1c2'],
      ['user_id', 'admin'],
    ]);
    expect(problem.advice).toContain('has user_id more than once');
  });

  it('is reported to onProblem as a launch refusal of that consumer', async () => {
    const { provider, lms, reports } = await world();
    await refused(verifyLaunch(provider, launchRequest(lms, without('resource_link_id'))));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ endpoint: 'launch', consumer: { key: 'canvas-school' } });
    expect(reports[0]?.problem.problem).toBe('parameter_absent');
  });
});

describe('launchRefusal', () => {
  async function answer(fields: [string, string][], lms?: Pick<Consumer, 'key' | 'secret'>) {
    const w = await world();
    const request = launchRequest(lms ?? w.lms, fields, BROWSER);
    const error = await refused(verifyLaunch(w.provider, request));
    return launchRefusal(w.provider, error, request);
  }

  it('sends the user back to the signed return URL with lti_errormsg and lti_errorlog', async () => {
    const wire = await answer(without('resource_link_id'));
    expect(wire.status).toBe(302);
    const location = new URL(wire.headers.location ?? '');
    expect(location.origin + location.pathname).toBe(
      'https://lms.example/courses/101/external_content/success/external_tool_redirect',
    );
    expect(location.searchParams.get('lti_errorlog')).toBe('parameter_absent');
    expect(location.searchParams.get('lti_errormsg')).toMatch(
      /^This tool could not accept the launch: This launch has no resource_link_id: /,
    );
    expect(wire.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['https://lms.example/return', 'https://lms.example/return?lti_errormsg='],
    ['https://lms.example/return?a=1%202&b=', 'https://lms.example/return?a=1%202&b=&lti_errormsg='],
    ['https://lms.example/return?', 'https://lms.example/return?lti_errormsg='],
    ['https://lms.example/return?a=1&', 'https://lms.example/return?a=1&lti_errormsg='],
  ])('adds both to the query of %s, keeping what it has', async (returnUrl, start) => {
    const wire = await answer(
      replacing('launch_presentation_return_url', returnUrl).filter(([n]) => n !== 'lti_version'),
    );
    expect(wire.headers.location?.startsWith(start)).toBe(true);
    expect(wire.headers.location).toMatch(/&lti_errorlog=parameter_absent$/);
  });

  it('puts them before a fragment', async () => {
    const wire = await answer(
      replacing('launch_presentation_return_url', 'https://lms.example/r#done').filter(
        ([n]) => n !== 'lti_version',
      ),
    );
    expect(wire.headers.location).toMatch(
      /^https:\/\/lms\.example\/r\?lti_errormsg=[^#]+&lti_errorlog=parameter_absent#done$/,
    );
  });

  it('answers the problem page instead when the signature did not verify: the URL is then anyone’s', async () => {
    const w = await world();
    const wire = await answer(without('resource_link_id'), { key: w.lms.key, secret: 'wrong' });
    expect(wire.status).toBe(401);
    expect(wire.headers.location).toBeUndefined();
    expect(wire.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(wire.body).toContain('signature_invalid');
  });

  it('answers the problem page for an unknown consumer, a replay, or a return URL that is not http(s)', async () => {
    const unknown = await answer(without('resource_link_id'), { key: 'nobody', secret: 'x' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toContain('consumer_key_unknown');
    const script = await answer(
      replacing('launch_presentation_return_url', 'javascript:alert(1)').filter(
        ([n]) => n !== 'resource_link_id',
      ),
    );
    expect(script.status).toBe(400);
    expect(script.headers.location).toBeUndefined();
    expect(script.headers['content-type']).toBe('text/html; charset=utf-8');
    const w = await world();
    const request = launchRequest(w.lms, CANVAS, BROWSER);
    await verifyLaunch(w.provider, request);
    const replay = launchRefusal(w.provider, await refused(verifyLaunch(w.provider, request)), request);
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('nonce_used');
  });

  it('answers the problem page when the return URL was sent twice', async () => {
    const wire = await answer([
      ...without('resource_link_id'),
      ['launch_presentation_return_url', 'https://evil.example/'],
    ]);
    expect(wire.status).toBe(400);
    expect(wire.headers.location).toBeUndefined();
  });

  it('answers a form body to a client that is not a browser and gave no return URL', async () => {
    const w = await world();
    const request = {
      ...launchRequest(w.lms, without('resource_link_id', 'launch_presentation_return_url')),
      headers: { host: 'tool.example', 'content-type': 'application/x-www-form-urlencoded' },
    };
    const wire = launchRefusal(w.provider, await refused(verifyLaunch(w.provider, request)), request);
    expect(wire.status).toBe(400);
    const body = Object.fromEntries(parseFormEncoded(wire.body, 'body').map((p) => [p.name, p.value]));
    expect(body.oauth_problem).toBe('parameter_absent');
    expect(body.oauth_parameters_absent).toBe('resource_link_id');
  });
});
