import { z } from 'zod';
import { countUtf16 } from '../../core/network-rules.ts';
import type { PlannedNetwork } from '../network-definition.ts';

/** A Telegram channel: rules and pacing only; the publisher comes with issue #10. */
export const telegramNetwork: PlannedNetwork = Object.freeze<PlannedNetwork>({
  name: 'telegram',
  // TODO(#10): the publisher settles its fields (and where the channel is named).
  credentials: z.strictObject({
    botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a bot token from @BotFather (123456:ABC…)'),
  }),
  // Bot API: sendMessage text 1-4096 characters and sendPhoto caption 0-1024,
  // both "after entities parsing", counted in UTF-16 code units. One image, the
  // one sendPhoto carries: sendMediaGroup (2-10) would turn one post into
  // several messages (several message ids, the caption on one of them), which a
  // Delivery with one public URL cannot record.
  rules: Object.freeze({
    textLimit: 4096,
    textLimitWithImage: 1024,
    unit: 'utf16',
    requiresImage: false,
    maxImages: 1,
    maxHashtags: undefined,
    carriesAltText: false,
    count: countUtf16,
  }),
  // Bot API FAQ (core.telegram.org/bots/faq, "My bot is hitting limits"): at
  // most 20 messages a minute to one group, which bot libraries apply to
  // channels too; networks.md: a 429 carries parameters.retry_after.
  pacing: Object.freeze({ minIntervalMs: 3_000, maxInFlight: 1 }),
  // networks.md: no idempotency; a retry after a crash could post twice.
  idempotent: false,
  publisherIssue: 10,
});
