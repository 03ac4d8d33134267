import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeSlack, FakeSlackMessage } from '../fakes/fake-slack.ts';
import type { FakeWebhookReceiver } from '../fakes/fake-webhook-receiver.ts';
import { postSigned } from '../fakes/slack-signing.ts';
import { reactionAddedEvent, slashCommandBody } from '../fixtures/slack-payloads.ts';
import { type AraldoProcess, startAraldoProcess } from './araldo-process.ts';

// One municipal team on Slack (HTTP mode, against FakeSlack in the test
// process) publishing to three targets: the Atom feed of the website and two
// webhook receivers. Shared by the e2e tests that run Araldo as child
// processes on one PostgreSQL database (crash-proof, replicas): the
// configuration file, the child's environment, and Slack's side of the
// conversation (signed slash commands and events, delivered as Slack does).

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

/** A target id of the desk. */
export type DeskTargetId = (typeof DESK_TARGETS)[number]['id'];

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

/** Writes the configuration file in `dir` and returns the environment every child gets. */
export function writeDeskConfig(
  dir: string,
  options: { databaseUrl: string; fake: FakeSlack; receivers: DeskReceivers },
): Record<string, string> {
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
      ],
    }),
  );
  return {
    ARALDO_CONFIG: configPath,
    DATABASE_URL: options.databaseUrl,
    PUBLIC_URL: DESK.publicUrl,
    SLACK_BOT_TOKEN: options.fake.botToken,
    SLACK_SIGNING_SECRET: DESK.signingSecret,
    SLACK_API_URL: options.fake.url,
    PORTALE_WEBHOOK_URL: options.receivers.portale.url,
    PORTALE_WEBHOOK_SECRET: WEBHOOK_SECRETS.portale,
    APP_WEBHOOK_URL: options.receivers['app-comune'].url,
    APP_WEBHOOK_SECRET: WEBHOOK_SECRETS['app-comune'],
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
  return DESK_TARGETS.find((target) => target.id === targetId)?.displayName ?? targetId;
}
