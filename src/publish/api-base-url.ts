import { AppError } from '../core/app-error.ts';
import { isPrivateHost } from './private-host.ts';

/**
 * The API's address from a target's `baseUrl`, without trailing slash:
 * `defaultUrl` when there is none; else https, or http only on a private
 * host (tests, a local proxy), since the tokens travel with every request.
 * Throws an AppError (config_invalid) naming the target otherwise.
 */
export function apiBaseUrl(targetId: string, baseUrl: string | undefined, defaultUrl: string): string {
  if (baseUrl === undefined) return defaultUrl;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError(
      'config_invalid',
      `target ${targetId}: "baseUrl" is no URL (leave it out for ${defaultUrl})`,
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isPrivateHost(url.hostname))) {
    throw new AppError(
      'config_invalid',
      `target ${targetId}: "baseUrl" must be https (the tokens travel with every request); leave it out for ${defaultUrl}`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
