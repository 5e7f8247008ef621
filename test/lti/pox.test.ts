/**
 * The POX of Basic Outcomes: requests built with every value escaped, scores written as plain
 * decimals, and the strict reader that takes what an outcome service answers and refuses the rest.
 */
import { describe, expect, it } from 'vitest';
import { poxRequest, readPoxResponse, scoreText } from '../../packages/countersign/src/lti/pox.js';
import { childAt, readXml } from '../../packages/countersign/src/lti/xml-reader.js';

describe('readXml', () => {
  it('reads elements by local name, with text, entities, character references, CDATA and comments', () => {
    const root = readXml(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment --><ims:a xmlns:ims="urn:x" b=\'1\'>' +
        '<c>1 &lt; 2 &amp;&amp; &#x41;&#66; &quot;&apos;</c><d/><e><![CDATA[<raw> & ]]></e><?pi here?></ims:a>\n',
    );
    expect(root.name).toBe('a');
    expect(childAt(root, 'c')?.text).toBe('1 < 2 && AB "\'');
    expect(childAt(root, 'd')).toEqual({ name: 'd', children: [], text: '' });
    expect(childAt(root, 'e')?.text).toBe('<raw> & ');
    expect(childAt(root, 'x', 'y')).toBeUndefined();
  });

  it.each([
    ['<a><b></a></b>', 'a closing tag </a> that closes nothing open'],
    ['<a>', '<a> is never closed'],
    ['<a/><b/>', 'a second root element'],
    ['text<a/>', 'text outside the root element'],
    ['<a>&nbsp;</a>', 'the unknown entity &nbsp;'],
    ['<a>fish & chips</a>', 'an "&" that starts no reference'],
    ['<a>&#0;</a>', 'names no character'],
    ['<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', 'a DOCTYPE or other declaration, which is refused'],
    ['<a b="1></a>', 'a malformed start tag <a'],
    ['< a/>', 'a "<" that starts no tag'],
    ['<a><!-- never closed</a>', 'an unclosed <!--'],
    ['', 'no root element'],
    [`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 'elements nested deeper than 32'],
  ])('refuses %j', (xml, message) => {
    expect(() => readXml(xml)).toThrow(message);
  });
});

describe('POX requests', () => {
  it('escapes the sourcedid and the score, and names the operation', () => {
    const xml = poxRequest('replaceResult', 'm-1', `a<b>&"c'`, { text: '0.5', language: 'en' });
    expect(xml).toContain('<sourcedId>a&#60;b&#62;&#38;&#34;c&#39;</sourcedId>');
    const root = readXml(xml);
    expect(root.name).toBe('imsx_POXEnvelopeRequest');
    const record = childAt(root, 'imsx_POXBody', 'replaceResultRequest', 'resultRecord');
    expect(childAt(record, 'sourcedGUID', 'sourcedId')?.text).toBe(`a<b>&"c'`);
    expect(childAt(record, 'result', 'resultScore', 'textString')?.text).toBe('0.5');
    expect(childAt(root, 'imsx_POXHeader', 'imsx_POXRequestHeaderInfo', 'imsx_messageIdentifier')?.text).toBe(
      'm-1',
    );
    expect(poxRequest('deleteResult', 'm-2', 'x')).not.toContain('<result>');
  });

  it.each([
    [0, '0'],
    [1, '1'],
    [0.92, '0.92'],
    [0.1 + 0.2, '0.3'],
    [1e-7, '0.0000001'],
    [0.123456789012345, '0.123456789012345'],
  ])('writes the score %s as %s', (score, text) => {
    expect(scoreText(score)).toBe(text);
  });
});

describe('POX answers', () => {
  it('reads the status and a read score', () => {
    const xml = `<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
      <imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version>
      <imsx_messageIdentifier>9</imsx_messageIdentifier><imsx_statusInfo>
      <imsx_codeMajor> success </imsx_codeMajor><imsx_severity>status</imsx_severity>
      <imsx_description>Result read</imsx_description><imsx_messageRefIdentifier>m-1</imsx_messageRefIdentifier>
      <imsx_operationRefIdentifier>readResult</imsx_operationRefIdentifier>
      </imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader>
      <imsx_POXBody><readResultResponse><result><resultScore><language>en</language>
      <textString>0.91</textString></resultScore></result></readResultResponse></imsx_POXBody>
      </imsx_POXEnvelopeResponse>`;
    expect(readPoxResponse(xml, 'readResult')).toEqual({
      status: {
        codeMajor: 'success',
        severity: 'status',
        description: 'Result read',
        messageRefIdentifier: 'm-1',
        operationRefIdentifier: 'readResult',
      },
      scoreText: '0.91',
    });
    expect(readPoxResponse(xml, 'deleteResult').scoreText).toBeUndefined();
  });
});
