/**
 * EC2's XML responses: `<ActionResponse xmlns=...>` with camelCase members; lists are `<fooSet>` (or
 * another list name) holding one `<item>` per member. Values are plain JS: objects become elements,
 * arrays become item lists, undefined members are left out.
 */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [member: string]: XmlValue };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => render('item', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => render(k, v)).join('')}</${name}>`;
  return `<${name}>${escape(String(value))}</${name}>`;
}

export function successXml(action: string, requestId: string, body: Record<string, XmlValue>): string {
  const members = Object.entries(body).map(([k, v]) => render(k, v)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>${members}</${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

export function tagSet(tags: Record<string, string>): XmlValue {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}
