/** Resource Manager's wire conventions the control plane shares: errors, ids, paths. */

/** An ARM error answer: `{"error":{"code","message"}}` with its HTTP status (and Retry-After for 429). */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  body(): unknown {
    return { error: { code: this.code, message: this.message } };
  }
}

export function notFound(kind: string, name: string, resourceGroup?: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The Resource '${kind}/${name}' under resource group '${resourceGroup ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

export function groupNotFound(name: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

/** A request's path split into segments, matched case-insensitively (ARM ignores case in types and names). */
export class ArmPath {
  readonly segments: string[];

  constructor(pathname: string) {
    this.segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  }

  /**
   * Matches a pattern such as `subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}`:
   * literal segments compare case-insensitively, `{name}` ones capture. Undefined when it does not match.
   */
  match(pattern: string): Record<string, string> | undefined {
    const parts = pattern.split('/');
    if (parts.length !== this.segments.length) return undefined;
    const captured: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const segment = this.segments[i] as string;
      const capture = /^\{(\w+)\}$/.exec(part);
      if (capture) captured[capture[1] as string] = segment;
      else if (part.toLowerCase() !== segment.toLowerCase()) return undefined;
    }
    return captured;
  }
}

/** The canonical id of a resource in a group. */
export function resourceId(subscription: string, resourceGroup: string, type: string, name: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/${type}/${name}`;
}

/** Group and name out of a resource id (any casing); undefined when it is not one. */
export function parseResourceId(id: string): { resourceGroup: string; type: string; name: string } | undefined {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+(?:\/[^/]+\/[^/]+)*)$/i.exec(id);
  if (!match) return undefined;
  const rest = (match[2] as string).split('/');
  const name = rest.pop() as string;
  return { resourceGroup: match[1] as string, type: rest.join('/'), name };
}
