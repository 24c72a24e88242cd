import type { Agents } from 'got';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

/**
 * Which proxy a download goes through, from the environment as curl reads it: http_proxy for http://
 * URLs, https_proxy for https:// ones, all_proxy for either (lower case first, then upper case), and
 * no_proxy for the hosts that are reached directly. Chosen per request, so each hop of a redirect is
 * judged on its own host.
 *
 * An http:// URL goes to the proxy as an absolute-URI request (plain forwarding); an https:// URL
 * through a CONNECT tunnel. Corporate proxies commonly refuse CONNECT to anything but port 443, so
 * tunnelling plain http as well would fail there.
 */
const VARIABLES: Record<string, string[]> = {
  'http:': ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'],
  'https:': ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'],
};

/** The proxy URL for `url`, or undefined to connect directly. */
export function proxyFor(url: string): string | undefined {
  const target = new URL(url);
  const configured = (VARIABLES[target.protocol] ?? []).map((name) => process.env[name]?.trim()).find((value) => value);
  if (!configured) return undefined;
  // proxy-from-env does the NO_PROXY matching (exact hosts, .domain suffixes, *, host:port). Its own
  // choice of proxy is not used: it gives a bare host:port the URL's scheme (an https proxy for
  // https URLs), which is not what a corporate HTTPS_PROXY=proxy:3128 means.
  if (getProxyForUrl(url) === '') return undefined;
  // Like curl, a bare host:port is a plain-HTTP proxy, whatever the scheme of the URL it carries.
  return configured.includes('://') ? configured : `http://${configured}`;
}

/** got's per-protocol agents for `url`: proxy agents, or undefined for node's own direct ones. */
export function proxyAgentsFor(url: string): Agents | undefined {
  const proxy = proxyFor(url);
  if (!proxy) return undefined;
  return { http: new HttpProxyAgent(proxy), https: new HttpsProxyAgent(proxy) };
}

/** A URL fit to print: any user name and password replaced (proxy URLs often carry them). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: drop anything that looks like user:password@ rather than echo it.
    return redactCredentials(url);
  }
}

/** Removes `user:password@` from every URL in free text, such as an error message. */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/)[^/\s@]+@/g, '$1***@');
}
