/**
 * A small strict XML reader for the answers of an LTI outcome service: elements (by local name, a
 * namespace prefix dropped), their text (the five predefined entities, character references and
 * CDATA sections decoded), comments and processing instructions skipped. Anything else a
 * well-formed document of that kind cannot hold is refused with a `SyntaxError` saying where: a
 * DOCTYPE (whose entities could expand without bound or reach for files), an unknown entity, a tag
 * left open or closed out of turn, text outside the root, more than one root, nesting deeper than 32.
 */

/** An element: its local name, child elements, and the text directly inside it. */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTRIBUTE = /\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MAX_DEPTH = 32;

interface Open {
  readonly qualifiedName: string;
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

function fail(message: string, at: number): never {
  throw new SyntaxError(`${message} at character ${at}`);
}

/** Decodes the entity and character references of a text run. */
function decodeText(raw: string, at: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string, offset: number) => {
    if (!whole.endsWith(';')) fail('an "&" that starts no reference', at + offset);
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(ref)
      ? Number.parseInt(ref.slice(2), 16)
      : /^#[0-9]{1,7}$/.test(ref)
        ? Number(ref.slice(1))
        : undefined;
    if (code !== undefined) {
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        fail(`the character reference &${ref}; names no character`, at + offset);
      return String.fromCodePoint(code);
    }
    const entity = ENTITIES[ref];
    if (entity === undefined) fail(`the unknown entity &${ref};`, at + offset);
    return entity;
  });
}

function localName(qualified: string): string {
  return qualified.slice(qualified.indexOf(':') + 1);
}

/** Reads the start tag at `at` (just after `<`); returns where it ends and whether it closed itself. */
function startTag(xml: string, at: number): { name: string; end: number; empty: boolean } {
  NAME.lastIndex = at;
  const name = NAME.exec(xml)?.[0];
  if (name === undefined) fail('a "<" that starts no tag', at - 1);
  let i = at + name.length;
  for (ATTRIBUTE.lastIndex = i; ATTRIBUTE.exec(xml); ATTRIBUTE.lastIndex = i) i = ATTRIBUTE.lastIndex;
  while (/\s/.test(xml.charAt(i))) i++;
  if (xml.startsWith('/>', i)) return { name, end: i + 2, empty: true };
  if (xml.charAt(i) === '>') return { name, end: i + 1, empty: false };
  return fail(`a malformed start tag <${name}`, at - 1);
}

/** Skips what may stand between elements: comments and processing instructions; `undefined` if none. */
function skipMarkup(xml: string, i: number): number | undefined {
  for (const [open, close] of [
    ['<!--', '-->'],
    ['<?', '?>'],
  ] as const) {
    if (!xml.startsWith(open, i)) continue;
    const end = xml.indexOf(close, i + open.length);
    if (end < 0) fail(`an unclosed ${open}`, i);
    return end + close.length;
  }
  return undefined;
}

/**
 * Reads a document; returns its root element.
 *
 * @example
 * ```ts
 * readXml('<a xmlns="urn:x"><b>1 &amp; 2</b></a>').children[0]?.text; // '1 & 2'
 * ```
 */
export function readXml(xml: string): XmlElement {
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < xml.length) {
    const top = stack.at(-1);
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (top) top.text += decodeText(text, i);
    else if (text.trim() !== '') fail('text outside the root element', i);
    if (lt < 0) break;
    i = lt;
    const skipped = skipMarkup(xml, i);
    if (skipped !== undefined) {
      i = skipped;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      if (!top || end < 0) fail('a CDATA section outside an element or unclosed', i);
      top.text += xml.slice(i + 9, end);
      i = end + 3;
    } else if (xml.startsWith('<!', i)) {
      fail('a DOCTYPE or other declaration, which is refused', i);
    } else if (xml.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const name = NAME.exec(xml)?.[0] ?? '';
      const end = i + 2 + name.length;
      if (!top || name !== top.qualifiedName || !/^\s*>/.test(xml.slice(end, end + 64)))
        fail(`a closing tag </${name}> that closes nothing open`, i);
      stack.pop();
      const element = { name: top.name, children: top.children, text: top.text };
      if (stack.length > 0) stack.at(-1)?.children.push(element);
      else root = element;
      i = xml.indexOf('>', end) + 1;
    } else {
      if (root !== undefined) fail('a second root element', i);
      const tag = startTag(xml, i + 1);
      if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`, i);
      const element = { name: localName(tag.name), children: [], text: '' };
      if (tag.empty && top) top.children.push(element);
      else if (tag.empty) root = element;
      else stack.push({ qualifiedName: tag.name, ...element });
      i = tag.end;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)?.qualifiedName ?? ''}> is never closed`, xml.length);
  if (root === undefined) fail('no root element', xml.length);
  return root;
}

/** The first element at `path` of local names below `element`, or `undefined`. */
export function childAt(element: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let at = element;
  for (const name of path) at = at?.children.find((c) => c.name === name);
  return at;
}
