import { err, ok, type Result } from '../../core/result.ts';

// Loopback hosts, where a token in clear never leaves the machine (tests, a
// local proxy). Anywhere else the instance must be https: the access token
// travels in every request's Authorization header.
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * The instance's address from a target's `baseUrl`, without trailing slash,
 * ready for `/api/...` to be appended: `https://mastodon.uno`. Refused, with
 * words for the admin: no baseUrl (Mastodon has no default instance), a URL
 * that is not https (http only on loopback), one carrying a user, password,
 * query or fragment. A path is kept (an instance behind a proxy prefix). Pure.
 */
export function parseInstanceUrl(baseUrl: string | undefined): Result<string, string> {
  const example = 'the address of its Mastodon instance, e.g. "baseUrl": "https://mastodon.uno"';
  if (baseUrl === undefined || baseUrl.trim() === '') {
    return err(`a mastodon target needs "baseUrl": ${example}`);
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return err(`"baseUrl" is no URL: expected ${example}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))) {
    return err(`"baseUrl" must be https (the access token travels with every request): expected ${example}`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return err(`"baseUrl" must hold no user, password, query or fragment: expected ${example}`);
  }
  return ok(`${url.origin}${url.pathname.replace(/\/+$/, '')}`);
}
