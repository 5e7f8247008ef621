/**
 * What an LMS administrator pastes to add this tool: for Canvas, an LTI 1.1 XML configuration (a
 * `cartridge_basiclti_link`, Canvas's "Paste XML"), with the launch URL and the privacy level that
 * sends names and e-mail addresses; Moodle takes the launch URL, key and secret in its own form.
 */
import { escapeHtml } from '../html.js';

/** The Canvas XML configuration of the tool, for an LMS registered under `name`. */
export function canvasConfiguration(name: string, launchUrl: string): string {
  const domain = new URL(launchUrl).host;
  const x = (text: string) => escapeHtml(text);
  return `<?xml version="1.0" encoding="UTF-8"?>
<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0"
    xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
    xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"
    xmlns:lticp="http://www.imsglobal.org/xsd/imslticp_v1p0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imslticc_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticc_v1p0.xsd http://www.imsglobal.org/xsd/imsbasiclti_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imsbasiclti_v1p0.xsd http://www.imsglobal.org/xsd/imslticm_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticm_v1p0.xsd http://www.imsglobal.org/xsd/imslticp_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticp_v1p0.xsd">
  <blti:title>${x(name)}</blti:title>
  <blti:description>${x(`${name}, served by Countersign`)}</blti:description>
  <blti:launch_url>${x(launchUrl)}</blti:launch_url>
  <blti:extensions platform="canvas.instructure.com">
    <lticm:property name="domain">${x(domain)}</lticm:property>
    <lticm:property name="privacy_level">public</lticm:property>
  </blti:extensions>
  <cartridge_bundle identifierref="BLTI001_Bundle"/>
  <cartridge_icon identifierref="BLTI001_Icon"/>
</cartridge_basiclti_link>
`;
}
