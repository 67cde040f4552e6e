// A peer's advertised `host:port` (its `application.server`) arrives in the group's member
// metadata, written by another process: untrusted text that ends up in a redirect's `Location`.
// Only a host name or an IP literal with a port in 1-65535 is an endpoint; anything else (CR/LF,
// a path, user info, a port out of range) is no address at all, and the peer counts as unknown.
import { isIPv4, isIPv6 } from 'node:net';

/** A validated endpoint. */
export interface Endpoint {
  /** A host name, an IPv4 literal, or an IPv6 literal (without brackets). */
  readonly host: string;
  readonly port: number;
}

// RFC 1123 labels; `_` is tolerated (container runtimes name hosts with it) and harmless in a URL.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Whether `host` is a host name or an IP literal (IPv6 bare, without brackets). */
export function isHost(host: string): boolean {
  if (isIPv4(host) || isIPv6(host)) return true;
  // All digits and dots reads as an IPv4 address to every URL parser: it must be a valid one.
  if (host.length === 0 || host.length > 253 || /^[0-9.]+$/.test(host)) return false;
  return host.split('.').every((label) => LABEL.test(label));
}

/** Parses `host:port` or `[ipv6]:port`; undefined unless the host is a host name or IP literal and the port 1-65535. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):([1-9][0-9]{0,4})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  const v6 = match[1];
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port } : undefined;
  const host = match[2] as string;
  return isHost(host) ? { host, port } : undefined;
}

/** `host:port`, the IPv6 literal in brackets: the authority of a URL. */
export function formatEndpoint(endpoint: Endpoint): string {
  return isIPv6(endpoint.host) ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
