import { t } from './i18n/translate.ts';
import type { Language } from './language.ts';
import type { FailureCode } from './publish-outcome.ts';

/**
 * A failure code in the team's words, with what to do about it: the words
 * the thread, /status and the digest show. `detail` is the network's own
 * reason or the missing permission (for credentials that stopped working:
 * the network's name, naming README's section on renewing them); it is
 * shown only where the code's words have room for it.
 */
export function describeFailure(language: Language, code: FailureCode, detail = ''): string {
  switch (code) {
    case 'token_expired':
    case 'token_revoked':
    case 'permission_missing':
    case 'content_refused':
    case 'media_unreachable':
    case 'misconfigured':
      return t(language, `failure.${code}`, { detail });
    default:
      return t(language, `failure.${code}`);
  }
}
