import { z } from 'zod';
import { err, ok, type Result } from '../../core/result.ts';

/**
 * The Graph API version Araldo calls when a target names none. Meta keeps
 * each version at least two years after the next one ships
 * (developers.facebook.com/docs/graph-api/guides/versioning); v25.0 is the
 * version the Photo, Page and IG Container references show as this is
 * written. A target pins its own with `settings.apiVersion`.
 */
export const DEFAULT_GRAPH_API_VERSION = 'v25.0';

/** Where the Graph API lives when a target's `baseUrl` does not say otherwise. */
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com';

/** A Graph API version as Meta writes it in paths: `v23.0`. */
export const graphApiVersion = z
  .string()
  .regex(/^v\d{1,3}\.\d$/, 'expected a Graph API version such as "v25.0"');

/** A Graph object id (a Page, an Instagram user): digits only. */
export const graphObjectId = (what: string) =>
  z.string().regex(/^\d{1,30}$/, `expected the numeric id of the ${what}`);

// Loopback hosts, where a token in clear never leaves the machine (tests, a
// local proxy). Anywhere else the API must be https: the token travels in
// every request's Authorization header.
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * The versioned base of every call, without trailing slash:
 * `https://graph.facebook.com/v25.0`, from a target's `baseUrl` (default
 * graph.facebook.com) and API version. Refused, with words for the admin: a
 * baseUrl that is no URL, not https (http only on loopback), or carries a
 * user, password, query or fragment. Pure.
 */
export function graphBaseUrl(baseUrl: string | undefined, version: string): Result<string, string> {
  const given = baseUrl === undefined || baseUrl.trim() === '' ? DEFAULT_GRAPH_BASE_URL : baseUrl;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return err(`"baseUrl" is no URL: leave it out to use ${DEFAULT_GRAPH_BASE_URL}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))) {
    return err('"baseUrl" must be https: the access token travels with every request');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return err('"baseUrl" must hold no user, password, query or fragment');
  }
  return ok(`${url.origin}${url.pathname.replace(/\/+$/, '')}/${version}`);
}
