import * as ec2 from '@aws-sdk/client-ec2';
import { NormalizedSchema } from '@smithy/core/schema';

/**
 * Checks the fake's answers against what the SDK reads: every element of an answer must be a member of
 * the action's output shape (by the xmlName the SDK's schema gives it), recursively. A misspelled
 * element would otherwise be dropped by the SDK without a word and the field would read as undefined.
 * Test-only; it understands the fake's own XML, not XML in general.
 */
interface XmlNode {
  name: string;
  children: XmlNode[];
}

/** Elements only: the fake writes no attributes but the root's xmlns, no CDATA, no comments. */
function parseElements(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [] };
  const stack: XmlNode[] = [root];
  for (const match of xml.matchAll(/<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match as unknown as [string, string, string, string];
    const parent = stack[stack.length - 1] as XmlNode;
    if (closing) {
      stack.pop();
      continue;
    }
    const node: XmlNode = { name, children: [] };
    parent.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  return root;
}

type OperationSchema = readonly unknown[];

function outputSchema(action: string): NormalizedSchema {
  const operation = (ec2 as unknown as Record<string, OperationSchema | undefined>)[`${action}$`];
  if (!operation) throw new Error(`the SDK has no operation ${action}`);
  const output = operation[5];
  // Schemas refer to each other through thunks, to allow cycles.
  const resolved: unknown = typeof output === 'function' ? (output as () => unknown)() : output;
  return NormalizedSchema.of(resolved as Parameters<typeof NormalizedSchema.of>[0]);
}

function check(node: XmlNode, schema: NormalizedSchema, where: string, problems: string[]): void {
  if (schema.isListSchema()) {
    for (const item of node.children) {
      if (item.name !== 'item') problems.push(`${where}: <${item.name}> where the SDK reads <item>`);
      else check(item, schema.getValueSchema(), `${where}/item`, problems);
    }
    return;
  }
  if (!schema.isStructSchema()) {
    if (node.children.length > 0) problems.push(`${where}: a scalar with child elements`);
    return;
  }
  const members = new Map<string, NormalizedSchema>();
  for (const [name, member] of schema.structIterator()) members.set((member.getMergedTraits().xmlName as string | undefined) ?? name, member);
  for (const child of node.children) {
    const member = members.get(child.name);
    if (!member) problems.push(`${where}: <${child.name}> is not read by the SDK (${schema.getName()} has ${[...members.keys()].join(', ')})`);
    else check(child, member, `${where}/${child.name}`, problems);
  }
}

/** The elements of a successful answer to `action` that the SDK would not read; empty when all is well. */
export function unreadElements(action: string, xml: string): string[] {
  const document = parseElements(xml);
  const root = document.children[0];
  if (!root || root.name !== `${action}Response`) return [`root element is <${root?.name}>, not <${action}Response>`];
  const schema = outputSchema(action);
  const problems: string[] = [];
  // EC2 answers calls without output (RebootInstances, CreateTags...) with <return>true</return>, which the SDK does not model.
  const members = root.children.filter((c) => c.name !== 'requestId' && !(c.name === 'return' && !schema.isStructSchema()));
  if (members.length > 0 && !schema.isStructSchema()) problems.push(`${action} has no output, yet the answer has ${members.map((c) => c.name).join(', ')}`);
  else check({ name: root.name, children: members }, schema, action, problems);
  return problems;
}
