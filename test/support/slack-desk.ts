import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeBlueskyAccount, FakeBlueskyPds } from '../fakes/fake-bluesky-pds.ts';
import { FAKE_MASTODON_TOKEN, FakeMastodon } from '../fakes/fake-mastodon.ts';
import type { FakeSlack, FakeSlackMessage } from '../fakes/fake-slack.ts';
import { type FakeChannel, FakeTelegram } from '../fakes/fake-telegram.ts';
import type { FakeWebhookReceiver } from '../fakes/fake-webhook-receiver.ts';
import { postSigned } from '../fakes/slack-signing.ts';
import { reactionAddedEvent, slashCommandBody } from '../fixtures/slack-payloads.ts';
import { type AraldoProcess, startAraldoProcess } from './araldo-process.ts';

// One municipal team on Slack (HTTP mode, against FakeSlack in the test
// process) publishing to three targets: the Atom feed of the website and two
// webhook receivers; with `networks`, also to its Mastodon, Bluesky and
// Telegram accounts, on fakes of those networks in the test process. Shared
// by the e2e tests that run Araldo as child processes (crash-proof,
// replicas, open-networks): the configuration file, the child's environment,
// and Slack's side of the conversation (signed slash commands and events,
// delivered as Slack does).

/** Who is who in the team. */
export const DESK = {
  teamId: 'comunicazione',
  channel: 'C0SOCIAL',
  editor: 'U0EDITOR',
  supervisor: 'U0SUPERV',
  signingSecret: 'e2e-signing-secret-4821',
  /** the same on every process, so every replica renders the same feed */
  publicUrl: 'https://araldo.comune.example.it',
} as const;

/** The three targets: one feed, two webhooks. */
export const DESK_TARGETS = [
  { id: 'sito', network: 'feed', displayName: 'Sito istituzionale' },
  { id: 'portale', network: 'webhook', displayName: 'Portale comunale' },
  { id: 'app-comune', network: 'webhook', displayName: 'App del Comune' },
] as const;

/** The targets on the open networks, configured when the desk has its `networks`. */
export const NETWORK_TARGETS = [
  { id: 'comune-mastodon', network: 'mastodon', displayName: 'Mastodon del Comune' },
  { id: 'comune-bluesky', network: 'bluesky', displayName: 'Bluesky del Comune' },
  { id: 'allerte-telegram', network: 'telegram', displayName: 'Canale allerte' },
] as const;

/** Every target of a desk with its networks: the feed, the webhooks, Mastodon, Bluesky, Telegram. */
export const ALL_DESK_TARGETS = [...DESK_TARGETS, ...NETWORK_TARGETS] as const;

/** A target id of the desk. */
export type DeskTargetId = (typeof ALL_DESK_TARGETS)[number]['id'];

/** The fakes of the open networks, living in the test process so what they recorded survives any kill. */
export interface DeskNetworks {
  readonly mastodon: FakeMastodon;
  readonly bluesky: FakeBlueskyPds;
  readonly telegram: FakeTelegram;
}

/** The Bluesky account of the Comune on the fake PDS (an app password has the xxxx-xxxx-xxxx-xxxx form). */
export const DESK_BLUESKY: FakeBlueskyAccount = {
  did: 'did:plc:c0mune7a1dem0xq4r2b3k5zz',
  handle: 'comune-demo.bsky.social',
  appPassword: 'k3v7-2pqa-x9mt-4hzd',
};

/** The Telegram bot (a token as @BotFather writes them: id, colon, 35 characters) and its public channel. */
export const DESK_TELEGRAM = {
  botToken: '7012345678:AAHfakeTokenForAraldoCrashProof0123',
  channel: { id: -1001234567890, title: 'Comune – Allerte (test)', username: 'comune_test', bot: 'poster' },
} as const satisfies { botToken: string; channel: FakeChannel };

/** Starts the three network fakes on 127.0.0.1, each knowing the desk's account, token and channel. */
export async function startDeskNetworks(): Promise<DeskNetworks & { close(): Promise<void> }> {
  const mastodon = await FakeMastodon.start();
  const bluesky = await FakeBlueskyPds.start({ accounts: [DESK_BLUESKY] });
  const telegram = await FakeTelegram.start({ token: DESK_TELEGRAM.botToken });
  telegram.addChannel({ ...DESK_TELEGRAM.channel });
  return {
    mastodon,
    bluesky,
    telegram,
    close: async () => {
      await Promise.all([mastodon.close(), bluesky.close(), telegram.close()]);
    },
  };
}

/** The webhook targets, each with the receiver standing for its website. */
export interface DeskReceivers {
  readonly portale: FakeWebhookReceiver;
  readonly 'app-comune': FakeWebhookReceiver;
}

/** Standard Webhooks secrets (`whsec_` + base64 of 32 bytes), one per receiver. */
export const WEBHOOK_SECRETS = {
  portale: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  'app-comune': `whsec_${Buffer.alloc(32, 11).toString('base64')}`,
} as const;

/**
 * No pacing wait between two publications to one network target: Mastodon's
 * default is a minute between posts, Bluesky's and Telegram's 3 s, and a
 * test publishes many posts in a few seconds (src/config.ts takes 0).
 */
const NO_PACING = { minIntervalSeconds: 0 } as const;

/**
 * Writes the configuration file in `dir` and returns the environment every
 * child gets. Without `databaseUrl` the child uses PGlite in its DATA_DIR;
 * with `networks` the desk also publishes to Mastodon, Bluesky and Telegram
 * (NETWORK_TARGETS), each at its fake's address (`baseUrl`) with no pacing wait.
 */
export function writeDeskConfig(
  dir: string,
  options: { databaseUrl?: string; fake: FakeSlack; receivers: DeskReceivers; networks?: DeskNetworks },
): Record<string, string> {
  const networks = options.networks;
  const configPath = join(dir, 'araldo.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      teams: [
        {
          id: DESK.teamId,
          chat: 'slack',
          channel: DESK.channel,
          approvers: [DESK.supervisor],
          approvalsRequired: 1,
        },
      ],
      targets: [
        { id: 'sito', network: 'feed', displayName: 'Sito istituzionale', feed: { entries: 500 } },
        {
          id: 'portale',
          network: 'webhook',
          displayName: 'Portale comunale',
          credentials: { url: 'PORTALE_WEBHOOK_URL', secret: 'PORTALE_WEBHOOK_SECRET' },
        },
        {
          id: 'app-comune',
          network: 'webhook',
          displayName: 'App del Comune',
          credentials: { url: 'APP_WEBHOOK_URL', secret: 'APP_WEBHOOK_SECRET' },
        },
        ...(networks
          ? [
              {
                ...NETWORK_TARGETS[0],
                baseUrl: networks.mastodon.url,
                credentials: { accessToken: 'COMUNE_MASTODON_TOKEN' },
                pacing: NO_PACING,
              },
              {
                ...NETWORK_TARGETS[1],
                baseUrl: networks.bluesky.url,
                credentials: { identifier: 'COMUNE_BSKY_HANDLE', appPassword: 'COMUNE_BSKY_APP_PASSWORD' },
                pacing: NO_PACING,
              },
              {
                ...NETWORK_TARGETS[2],
                baseUrl: networks.telegram.url,
                credentials: { botToken: 'ALLERTE_TELEGRAM_TOKEN', chatId: 'ALLERTE_TELEGRAM_CHAT' },
                pacing: NO_PACING,
              },
            ]
          : []),
      ],
    }),
  );
  return {
    ARALDO_CONFIG: configPath,
    ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
    PUBLIC_URL: DESK.publicUrl,
    SLACK_BOT_TOKEN: options.fake.botToken,
    SLACK_SIGNING_SECRET: DESK.signingSecret,
    SLACK_API_URL: options.fake.url,
    PORTALE_WEBHOOK_URL: options.receivers.portale.url,
    PORTALE_WEBHOOK_SECRET: WEBHOOK_SECRETS.portale,
    APP_WEBHOOK_URL: options.receivers['app-comune'].url,
    APP_WEBHOOK_SECRET: WEBHOOK_SECRETS['app-comune'],
    ...(networks
      ? {
          COMUNE_MASTODON_TOKEN: FAKE_MASTODON_TOKEN,
          COMUNE_BSKY_HANDLE: DESK_BLUESKY.handle,
          COMUNE_BSKY_APP_PASSWORD: DESK_BLUESKY.appPassword,
          ALLERTE_TELEGRAM_TOKEN: DESK_TELEGRAM.botToken,
          ALLERTE_TELEGRAM_CHAT: `@${DESK_TELEGRAM.channel.username}`,
        }
      : {}),
  };
}

/** Starts one Araldo child on the desk's configuration, its clock at `clockStart`. */
export function startDeskChild(options: {
  dataDir: string;
  env: Record<string, string>;
  clockStart: string;
}): AraldoProcess {
  return startAraldoProcess({ dataDir: options.dataDir, env: options.env, clockStart: options.clockStart });
}

/** How one request to Araldo's /slack/events went: the status, or why none came. */
export type SlackDelivery =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly error: string };

/** Sends a signed request to an Araldo at `url`; a failure to connect or a cut connection is a value. */
export async function deliverToAraldo(
  url: string,
  body: Readonly<Record<string, unknown>>,
  contentType: 'application/json' | 'application/x-www-form-urlencoded',
  retry?: { num: number; reason: string },
): Promise<SlackDelivery> {
  try {
    const answer = await postSigned(url, {
      secret: DESK.signingSecret,
      body,
      contentType,
      ...(retry ? { retryNum: retry.num, retryReason: retry.reason } : {}),
    });
    return { ok: true, status: answer.status, body: answer.body };
  } catch (error) {
    return { ok: false, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

/** A `/command text` typed by `userId` in the team's channel, with its trigger id. */
export function commandBody(
  userId: string,
  command: string,
  text: string,
  triggerId: string,
): Readonly<Record<string, unknown>> {
  return { ...slashCommandBody({ command, text, userId, channelId: DESK.channel, triggerId }) };
}

/** A `reaction_added` event from `userId` on the message at `ts`. */
export function reactionBody(
  fake: FakeSlack,
  userId: string,
  reaction: string,
  ts: string,
  eventId: string,
): Readonly<Record<string, unknown>> {
  return {
    ...reactionAddedEvent({
      user: userId,
      reaction,
      channel: DESK.channel,
      ts,
      itemUser: fake.botUserId,
      eventId,
    }),
  };
}

/** The Araldo mark of a FakeSlack message (see src/chat/slack/translate.ts, toMessageMetadata). */
export function markOf(
  message: FakeSlackMessage,
): { messageId: string; postId: string; kind: string } | undefined {
  if (message.metadata?.event_type !== 'araldo_message') return undefined;
  const payload = message.metadata.event_payload;
  return {
    messageId: String(payload.message_id),
    postId: String(payload.post_id ?? ''),
    kind: String(payload.kind ?? ''),
  };
}

/** The top-level card FakeSlack holds for a post, if one was posted (the first, if several). */
export function cardOf(fake: FakeSlack, postId: string): FakeSlackMessage | undefined {
  return fake
    .messages(DESK.channel)
    .find((m) => m.threadTs === undefined && markOf(m)?.kind === 'card' && markOf(m)?.postId === postId);
}

/** The display name of a target. */
export function displayNameOf(targetId: string): string {
  return ALL_DESK_TARGETS.find((target) => target.id === targetId)?.displayName ?? targetId;
}
