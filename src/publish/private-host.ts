import { isIP } from 'node:net';

/**
 * True for a host on this machine or a private network (loopback, RFC 1918,
 * IPv6 unique-local, a name without a dot such as a compose service): the
 * only places a network's API may be reached over plain http, since its
 * token or password travels in every request.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (isIP(host) === 6) return /^f[cd]/i.test(host);
  return !host.includes('.');
}
