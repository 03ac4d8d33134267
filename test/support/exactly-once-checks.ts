import { it as IT } from '../../src/core/i18n/it.ts';
import type { FakeBlueskyPds } from '../fakes/fake-bluesky-pds.ts';
import type { FakeMastodon } from '../fakes/fake-mastodon.ts';
import type { FakeSlack, FakeSlackMessage } from '../fakes/fake-slack.ts';
import type { FakeChannelMessage, FakeTelegram } from '../fakes/fake-telegram.ts';
import type { FakeWebhookReceiver } from '../fakes/fake-webhook-receiver.ts';
import { parseAtom } from './atom-reader.ts';
import type { AuditRow, DeliveryRow, DeskSnapshot, PostRow } from './desk-database.ts';
import { markOf } from './slack-desk.ts';

// The invariants of SPEC §6 ("nothing lost, nothing doubled", "every outcome
// reaches the thread once", "every action is on record") as checks over what
// the test can see from outside: the database rows, FakeSlack's stored
// messages, what the webhook receivers processed, the served feed, and what
// the Mastodon instance, the Bluesky PDS and the Telegram channel hold. Each
// check returns its problems as sentences naming the post, delivery or
// message concerned, so a failing test shows the evidence, not a count.

/** States of a post once it has been approved (whatever became of its publication). */
const APPROVED_STATES = new Set([
  'approved',
  'scheduled',
  'publishing',
  'published',
  'partially_failed',
  'failed',
]);

/** Audit actions that end one publish attempt. */
const COMPLETIONS = new Set(['published', 'publish_retry', 'publish_failed', 'publish_unknown']);

function count(events: readonly AuditRow[], action: string): number {
  return events.filter((event) => event.action === action).length;
}

function label(post: PostRow): string {
  return `post #${post.number} (${post.state})`;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k) ?? [];
    list.push(item);
    groups.set(k, list);
  }
  return groups;
}

/**
 * The attempts and outcomes of one delivery, in audit order, must tell one
 * consistent story: every outcome closes an attempt; a new attempt starts only
 * after an outcome, unless it resumes one a dead worker left (`resumed`);
 * a published delivery has exactly one `published`, last; the delivery's
 * `attempts` counts the attempts that were not resumptions.
 */
function deliveryStoryProblems(post: PostRow, delivery: DeliveryRow, events: readonly AuditRow[]): string[] {
  const problems: string[] = [];
  const where = `${label(post)} → ${delivery.targetId} (${delivery.state})`;
  let open = false;
  let fresh = 0;
  let resumed = 0;
  let completions = 0;
  let published = 0;
  for (const event of events) {
    if (event.action === 'publish_attempt') {
      if (event.details.resumed === true) {
        if (!open) problems.push(`${where}: audit ${event.id} resumes an attempt, but none was left open`);
        resumed += 1;
      } else {
        if (open) problems.push(`${where}: audit ${event.id} starts an attempt while one has no outcome`);
        fresh += 1;
      }
      open = true;
    } else if (COMPLETIONS.has(event.action)) {
      if (!open) problems.push(`${where}: audit ${event.id} (${event.action}) ends no attempt`);
      open = false;
      completions += 1;
      if (event.action === 'published') {
        published += 1;
        if (event.details.url !== delivery.publicUrl || event.details.remoteId !== delivery.remoteId) {
          problems.push(
            `${where}: audit ${event.id} published ${String(event.details.url)} / ${String(event.details.remoteId)}, the delivery holds ${delivery.publicUrl} / ${delivery.remoteId}`,
          );
        }
      }
    }
  }
  const attempts = fresh + resumed;
  if (delivery.state === 'unknown' && events.at(-1)?.action !== 'publish_unknown') {
    problems.push(`${where}: the last event is not publish_unknown`);
  }
  if (delivery.state === 'published') {
    if (published !== 1) problems.push(`${where}: ${published} published events, expected 1`);
    if (events.at(-1)?.action !== 'published') problems.push(`${where}: the last event is not published`);
  } else if (published > 0) {
    problems.push(`${where}: ${published} published events for a delivery not published`);
  }
  if (['pending', 'cancelled'].includes(delivery.state) && events.length > 0) {
    problems.push(`${where}: ${events.length} publish events for a delivery never started`);
  }
  if (attempts !== completions + resumed + (open ? 1 : 0)) {
    problems.push(
      `${where}: ${attempts} publish_attempt events for ${completions} outcomes and ${resumed} resumptions`,
    );
  }
  if (delivery.attempts !== fresh) {
    problems.push(
      `${where}: attempts column says ${delivery.attempts}, audit shows ${fresh} claimed attempts`,
    );
  }
  return problems;
}

/**
 * Every state change has its audit event and every audit event its state
 * change: per post one `proposed` (first); approvals on record match the
 * approvals table; an approved post has its `approved` and one `scheduled`,
 * an unapproved one neither; `rejected`/`cancelled` match the state; each
 * delivery's publish events tell one story (deliveryStoryProblems); the
 * post's state agrees with its deliveries'; `digest_sent` matches the
 * digests sent.
 */
export function auditProblems(snapshot: DeskSnapshot): string[] {
  const problems: string[] = [];
  const eventsOf = groupBy(snapshot.audit, (event) => event.postId);
  const deliveriesOf = groupBy(snapshot.deliveries, (delivery) => delivery.postId);
  const postIds = new Set(snapshot.posts.map((post) => post.id));
  for (const postId of eventsOf.keys()) {
    if (postId !== null && !postIds.has(postId)) problems.push(`audit events for unknown post ${postId}`);
  }
  for (const post of snapshot.posts) {
    const events = eventsOf.get(post.id) ?? [];
    const deliveries = deliveriesOf.get(post.id) ?? [];
    const where = label(post);
    if (count(events, 'proposed') !== 1 || events[0]?.action !== 'proposed') {
      problems.push(`${where}: ${count(events, 'proposed')} proposed events, first is ${events[0]?.action}`);
    }
    const approvals = snapshot.approvals.filter((a) => a.postId === post.id && a.version === post.version);
    const approved = count(events, 'approved') - count(events, 'approval_withdrawn');
    if (approved !== approvals.length) {
      problems.push(`${where}: ${approved} approvals on record, ${approvals.length} in the approvals table`);
    }
    const scheduled = count(events, 'scheduled');
    if (APPROVED_STATES.has(post.state) || (post.state === 'cancelled' && scheduled > 0)) {
      if (approvals.length < post.approvalsRequired) {
        problems.push(`${where}: approved with ${approvals.length} of ${post.approvalsRequired} approvals`);
      }
      if (scheduled !== 1) problems.push(`${where}: ${scheduled} scheduled events, expected 1`);
      const firstApproved = events.findIndex((e) => e.action === 'approved');
      const firstScheduled = events.findIndex((e) => e.action === 'scheduled');
      if (firstApproved < 0 || firstScheduled < firstApproved) {
        problems.push(`${where}: no approved event before scheduled`);
      }
    } else if (scheduled !== 0) {
      problems.push(`${where}: ${scheduled} scheduled events for a post never approved`);
    }
    for (const action of ['rejected', 'cancelled'] as const) {
      const expected = post.state === action ? 1 : 0;
      if (count(events, action) !== expected) {
        problems.push(`${where}: ${count(events, action)} ${action} events, expected ${expected}`);
      }
    }
    const targets = new Set(deliveries.map((d) => d.targetId));
    for (const event of events) {
      const target = event.details.target;
      if (
        (event.action === 'publish_attempt' || COMPLETIONS.has(event.action)) &&
        !targets.has(String(target))
      ) {
        problems.push(
          `${where}: audit ${event.id} (${event.action}) names target ${String(target)}, not one of its own`,
        );
      }
    }
    for (const delivery of deliveries) {
      const story = events.filter(
        (e) =>
          (e.action === 'publish_attempt' || COMPLETIONS.has(e.action)) &&
          e.details.target === delivery.targetId,
      );
      problems.push(...deliveryStoryProblems(post, delivery, story));
    }
    const states = new Set(deliveries.map((d) => d.state));
    const agree =
      post.state === 'published'
        ? [...states].every((s) => s === 'published')
        : post.state === 'pending' || post.state === 'changes_requested'
          ? [...states].every((s) => s === 'pending')
          : post.state === 'rejected' || post.state === 'cancelled'
            ? [...states].every((s) => s === 'cancelled')
            : true;
    if (!agree) problems.push(`${where}: deliveries are ${[...states].join(', ')}`);
  }
  const digestsSent = snapshot.digests.filter((d) => d.sent).length;
  const digestEvents = snapshot.audit.filter((e) => e.postId === null && e.action === 'digest_sent').length;
  if (digestEvents !== digestsSent) {
    problems.push(`${digestEvents} digest_sent events for ${digestsSent} digests sent`);
  }
  return problems;
}

/**
 * Nothing lost, nothing doubled, in the database: every delivery of an
 * approved post is published, and no delivery of an unapproved post is. A
 * network that drops duplicates is asked again after a crash, so none of its
 * deliveries may be left `unknown`; one that does not (`mayBeUnknown` of its
 * target true: Telegram) is not, and a delivery cut off after its request may
 * have left ends `unknown`, the question put in the thread (chatProblems) and
 * the network checked for at most one copy (telegramProblems).
 */
export function deliveryProblems(
  snapshot: DeskSnapshot,
  options: { readonly mayBeUnknown?: (targetId: string) => boolean } = {},
): string[] {
  const problems: string[] = [];
  const postOf = new Map(snapshot.posts.map((post) => [post.id, post]));
  for (const delivery of snapshot.deliveries) {
    const post = postOf.get(delivery.postId);
    if (!post) continue;
    const approved = APPROVED_STATES.has(post.state);
    const asked = delivery.state === 'unknown' && (options.mayBeUnknown?.(delivery.targetId) ?? false);
    if (approved && delivery.state !== 'published' && !asked) {
      problems.push(
        `${label(post)} → ${delivery.targetId}: approved but ${delivery.state}${delivery.lastError ? ` (${delivery.lastError})` : ''}`,
      );
    }
    if (!approved && delivery.state === 'published' && post.state !== 'published') {
      problems.push(`${label(post)} → ${delivery.targetId}: published, yet the post is ${post.state}`);
    }
  }
  return problems;
}

/** What the chat checks counted, for the test's report. */
export interface ChatReport {
  readonly problems: string[];
  readonly cards: number;
  readonly threadReplies: number;
  readonly marked: number;
}

/** The prefix of the thread line announcing a publication on `displayName`. */
export function publishedLine(displayName: string): string {
  return IT['publish.published']({ target: displayName, url: '' }).trimEnd();
}

/** The prefix of the thread line asking whether post `number` reached `displayName` (outcome unknown). */
export function unknownLine(displayName: string, number: number): string {
  return (
    IT['publish.unknown']({ target: displayName, number, reason: '\u0000' }).split('\u0000')[0] ?? ''
  ).trimEnd();
}

/**
 * Every outcome reaches the thread once, one card per post, each owed
 * message written once: in FakeSlack's stored messages of `channel`,
 * - no two messages carry the same outbox message id;
 * - every outbox row is sent (none failed or still open), and every sent
 *   card, thread line, channel message and digest is there exactly once;
 * - each post has exactly one top-level card, the one its card_ref names;
 * - each card's thread says "Pubblicata su <target>" once per published
 *   delivery, and never for one not published;
 * - each card's thread asks "Non so se il post è arrivato su <target>" once
 *   per outcome left unknown (`publish_unknown` in the audit log), so once
 *   for a delivery still `unknown`, and never otherwise;
 * - one digest message per digest decided, and no other.
 */
export function chatProblems(
  fake: FakeSlack,
  channel: string,
  snapshot: DeskSnapshot,
  displayNameOf: (targetId: string) => string,
): ChatReport {
  const problems: string[] = [];
  const messages = fake.messages(channel);
  const marked = messages.filter((m) => markOf(m) !== undefined);
  const byMessageId = groupBy(marked, (m) => markOf(m)?.messageId);
  for (const [messageId, copies] of byMessageId) {
    if (copies.length > 1) {
      const mark = markOf(copies[0] as FakeSlackMessage);
      problems.push(
        `outbox message ${messageId} (${mark?.kind}, post ${mark?.postId}) is in Slack ${copies.length} times: ts ${copies.map((m) => m.ts).join(', ')}`,
      );
    }
  }
  for (const row of snapshot.outbox) {
    if (row.state !== 'sent' && row.state !== 'skipped') {
      problems.push(`outbox ${row.id} (${row.kind}) ended ${row.state}: ${row.lastError ?? ''}`);
    }
    if (row.state === 'sent' && ['card', 'thread', 'channel', 'digest'].includes(row.kind)) {
      const copies = byMessageId.get(String(row.id))?.length ?? 0;
      if (copies !== 1) {
        problems.push(`outbox ${row.id} (${row.kind}) is sent, and is in Slack ${copies} times`);
      }
    }
  }
  const cards = marked.filter((m) => m.threadTs === undefined && markOf(m)?.kind === 'card');
  const cardsOf = groupBy(cards, (m) => markOf(m)?.postId);
  const deliveriesOf = groupBy(snapshot.deliveries, (d) => d.postId);
  let threadReplies = 0;
  for (const post of snapshot.posts) {
    const own = cardsOf.get(post.id) ?? [];
    if (own.length !== 1) {
      problems.push(`${label(post)}: ${own.length} cards in Slack (ts ${own.map((m) => m.ts).join(', ')})`);
    }
    const card = own[0];
    if (!card) continue;
    if (post.cardRef !== `${channel}/${card.ts}`) {
      problems.push(`${label(post)}: card_ref ${post.cardRef}, card in Slack at ${card.ts}`);
    }
    const replies = messages.filter((m) => own.some((c) => m.threadTs === c.ts && m.ts !== c.ts));
    threadReplies += replies.length;
    const lines = replies.flatMap((m) => m.text.split('\n'));
    for (const delivery of deliveriesOf.get(post.id) ?? []) {
      const prefix = publishedLine(displayNameOf(delivery.targetId));
      const said = lines.filter((line) => line.includes(prefix)).length;
      const expected = delivery.state === 'published' ? 1 : 0;
      if (said !== expected) {
        problems.push(
          `${label(post)} → ${delivery.targetId} (${delivery.state}): "${prefix}" said ${said} times in the thread, expected ${expected}`,
        );
      }
      const question = unknownLine(displayNameOf(delivery.targetId), post.number);
      const asked = lines.filter((line) => line.includes(question)).length;
      const owed = snapshot.audit.filter(
        (e) =>
          e.postId === post.id && e.action === 'publish_unknown' && e.details.target === delivery.targetId,
      ).length;
      if (asked !== owed || (delivery.state === 'unknown' && asked !== 1)) {
        problems.push(
          `${label(post)} → ${delivery.targetId} (${delivery.state}): "${question}" asked ${asked} times in the thread, for ${owed} unknown outcomes on record`,
        );
      }
    }
  }
  const digestTitle = IT['digest.title']({ date: '' }).trimEnd();
  const digestMessages = messages.filter((m) => m.threadTs === undefined && m.text.startsWith(digestTitle));
  const digestsOwed = snapshot.outbox.filter((row) => row.kind === 'digest').length;
  if (digestMessages.length !== snapshot.digests.length || digestsOwed !== snapshot.digests.length) {
    problems.push(
      `${digestMessages.length} digest messages in Slack and ${digestsOwed} owed, for ${snapshot.digests.length} digest days`,
    );
  }
  return { problems, cards: cards.length, threadReplies, marked: marked.length };
}

/** What a webhook receiver saw, for the test's report. */
export interface WebhookReport {
  readonly problems: string[];
  /** ids processed (each once) */
  readonly distinct: number;
  /** validly signed requests repeating an id already processed */
  readonly duplicates: number;
}

/**
 * Each published delivery of `targetId` reached its receiver under its own
 * webhook-id (`araldo-<delivery id>`), and nothing else was processed: a
 * repeat of an id is the idempotent network's retry, counted, never a second
 * post on the website.
 */
export function webhookProblems(
  receiver: FakeWebhookReceiver,
  snapshot: DeskSnapshot,
  targetId: string,
): WebhookReport {
  const problems: string[] = [];
  const expected = new Set(
    snapshot.deliveries
      .filter((d) => d.targetId === targetId && d.state === 'published')
      .map((d) => `araldo-${d.id}`),
  );
  for (const id of expected) {
    if (!receiver.processed.has(id)) problems.push(`${targetId}: delivery ${id} published, never received`);
  }
  for (const id of receiver.processed.keys()) {
    if (!expected.has(id)) problems.push(`${targetId}: received ${id}, which is no published delivery of it`);
  }
  const unsigned = receiver.requests.filter((r) => !r.signatureValid);
  if (unsigned.length > 0)
    problems.push(`${targetId}: ${unsigned.length} requests failed the signature check`);
  return { problems, distinct: receiver.distinctIds, duplicates: receiver.duplicates };
}

/** What the checks of an open network saw, for the test's report. */
export interface NetworkReport {
  readonly problems: string[];
  /** one line for the report */
  readonly summary: string;
}

/** The text of each post by its id: a network message names no delivery, so it is recognised by its text. */
export type PostTexts = ReadonlyMap<string, string>;

function excerpt(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function publishedOf(snapshot: DeskSnapshot, targetId: string): DeliveryRow[] {
  return snapshot.deliveries.filter((d) => d.targetId === targetId && d.state === 'published');
}

/** Two published deliveries naming one remote post: one post on the network stands for two. */
function sharedRemoteIds(published: readonly DeliveryRow[], targetId: string): string[] {
  return [...groupBy(published, (d) => d.remoteId)]
    .filter(([, list]) => list.length > 1)
    .map(([remoteId, list]) => `${targetId}: ${list.length} deliveries published as ${remoteId}`);
}

/**
 * Mastodon drops a status whose Idempotency-Key it saw within the hour, so a
 * delivery sent again after a kill appears once: each published delivery of
 * `targetId` is one status the instance holds (its remote id, its URL, the
 * post's text, a key naming the delivery), and the instance holds no status
 * that is not one of them.
 */
export function mastodonProblems(
  instance: FakeMastodon,
  snapshot: DeskSnapshot,
  targetId: string,
  texts?: PostTexts,
): NetworkReport {
  const problems: string[] = [];
  const published = publishedOf(snapshot, targetId);
  const statuses = new Map(instance.statuses.map((status) => [status.id, status]));
  for (const delivery of published) {
    const status = statuses.get(delivery.remoteId ?? '');
    const where = `${targetId}: delivery ${delivery.id}`;
    if (!status) {
      problems.push(`${where} published as status ${delivery.remoteId}, which the instance does not hold`);
      continue;
    }
    if (status.url !== delivery.publicUrl) {
      problems.push(`${where} links ${delivery.publicUrl}, its status is at ${status.url}`);
    }
    if (!status.idempotencyKey?.includes(delivery.id)) {
      problems.push(`${where}: its status came with Idempotency-Key ${status.idempotencyKey}`);
    }
    const text = texts?.get(delivery.postId);
    if (text !== undefined && status.text !== text) {
      problems.push(`${where}: its status reads "${excerpt(status.text)}", the post "${excerpt(text)}"`);
    }
  }
  problems.push(...sharedRemoteIds(published, targetId));
  const remoteIds = new Set(published.map((d) => d.remoteId));
  for (const status of instance.statuses) {
    if (!remoteIds.has(status.id)) {
      problems.push(
        `${targetId}: status ${status.id} (key ${status.idempotencyKey}, "${excerpt(status.text)}") is no published delivery of it`,
      );
    }
  }
  const requests = instance.requestsTo('status');
  const keys = new Set(requests.map((request) => request.headers['idempotency-key']));
  return {
    problems,
    summary: `${instance.statuses.length} statuses for ${published.length} published deliveries; ${requests.length} status requests, ${requests.length - keys.size} repeating an Idempotency-Key`,
  };
}

/**
 * Bluesky: Araldo chooses each delivery's record key, so an attempt after a
 * kill reads its record back or writes that same key: each published
 * delivery of `targetId` is one post record of `did` (its at:// URI, a bsky.app
 * link to its key, the post's text), written once and never rewritten, and
 * the repository holds no post record that is not one of them.
 */
export function blueskyProblems(
  pds: FakeBlueskyPds,
  did: string,
  snapshot: DeskSnapshot,
  targetId: string,
  texts?: PostTexts,
): NetworkReport {
  const problems: string[] = [];
  const published = publishedOf(snapshot, targetId);
  const records = new Map(pds.posts(did).map((record) => [record.uri, record]));
  for (const delivery of published) {
    const record = records.get(delivery.remoteId ?? '');
    const where = `${targetId}: delivery ${delivery.id}`;
    if (!record) {
      problems.push(`${where} published as ${delivery.remoteId}, which the repository does not hold`);
      continue;
    }
    const rkey = record.uri.split('/').at(-1) ?? '';
    if (
      !delivery.publicUrl?.startsWith('https://bsky.app/profile/') ||
      !delivery.publicUrl.endsWith(`/post/${rkey}`)
    ) {
      problems.push(`${where} links ${delivery.publicUrl}, not its record ${rkey} on bsky.app`);
    }
    const text = texts?.get(delivery.postId);
    if (text !== undefined && record.value.text !== text) {
      problems.push(
        `${where}: its record reads "${excerpt(String(record.value.text))}", the post "${excerpt(text)}"`,
      );
    }
  }
  problems.push(...sharedRemoteIds(published, targetId));
  const remoteIds = new Set(published.map((d) => d.remoteId));
  for (const record of records.values()) {
    if (!remoteIds.has(record.uri)) {
      problems.push(
        `${targetId}: record ${record.uri} ("${excerpt(String(record.value.text))}") is no published delivery of it`,
      );
    }
  }
  for (const [uri, writes] of groupBy(pds.events, (event) => event.uri)) {
    if (writes.length > 1) {
      problems.push(
        `${targetId}: record ${uri} written ${writes.length} times (${writes.map((w) => w.action).join(', ')})`,
      );
    }
  }
  return {
    problems,
    summary: `${records.size} post records for ${published.length} published deliveries; ${pds.count('com.atproto.repo.putRecord')} writes, ${pds.count('com.atproto.repo.getRecord')} read-backs, ${pds.count('com.atproto.server.createSession')} logins`,
  };
}

/** A Telegram message's text or caption, as the channel shows it. */
function messageText(message: FakeChannelMessage): string {
  return (message.text ?? message.caption ?? '').trim();
}

/**
 * Telegram has no idempotency: an attempt cut off after its request may
 * have left is never sent again by Araldo, which asks in the thread
 * instead. Recognising each message of channel `chatId` by its post's text
 * (`texts`): each published delivery of `targetId` is exactly one message
 * (its remote id `<chat>:<message>`); no delivery is ever two messages; a
 * delivery left `unknown` is at most one; any other delivery none; and the
 * channel holds no message of no delivery.
 */
export function telegramProblems(
  channel: FakeTelegram,
  chatId: number,
  snapshot: DeskSnapshot,
  targetId: string,
  texts: PostTexts,
): NetworkReport {
  const problems: string[] = [];
  const deliveries = snapshot.deliveries.filter((d) => d.targetId === targetId);
  const byText = new Map<string, DeliveryRow[]>();
  for (const delivery of deliveries) {
    const text = texts.get(delivery.postId);
    if (text === undefined) {
      problems.push(`${targetId}: delivery ${delivery.id}: the text of its post is not known to the test`);
      continue;
    }
    byText.set(text.trim(), [...(byText.get(text.trim()) ?? []), delivery]);
  }
  const messages = channel.messages.filter((message) => message.chatId === chatId);
  const messagesOf = new Map<string, FakeChannelMessage[]>();
  for (const message of messages) {
    const candidates = byText.get(messageText(message)) ?? [];
    const [delivery] = candidates;
    if (candidates.length !== 1 || !delivery) {
      problems.push(
        `${targetId}: message ${message.messageId} ("${excerpt(messageText(message))}") matches ${candidates.length} deliveries`,
      );
      continue;
    }
    messagesOf.set(delivery.id, [...(messagesOf.get(delivery.id) ?? []), message]);
  }
  let unknown = 0;
  let unknownSent = 0;
  for (const delivery of deliveries) {
    const copies = messagesOf.get(delivery.id) ?? [];
    const where = `${targetId}: delivery ${delivery.id} (${delivery.state})`;
    if (copies.length > 1) {
      problems.push(
        `${where} is in the channel ${copies.length} times: messages ${copies.map((m) => m.messageId).join(', ')}`,
      );
    }
    if (delivery.state === 'published') {
      const [message] = copies;
      if (copies.length === 0 || !message) problems.push(`${where}: no message in the channel`);
      else if (delivery.remoteId !== `${chatId}:${message.messageId}`) {
        problems.push(
          `${where} published as ${delivery.remoteId}, its message is ${chatId}:${message.messageId}`,
        );
      }
    } else if (delivery.state === 'unknown') {
      unknown += 1;
      if (copies.length > 0) unknownSent += 1;
    } else if (copies.length > 0) {
      problems.push(`${where}: not published, yet its message ${copies[0]?.messageId} is in the channel`);
    }
  }
  const published = deliveries.filter((d) => d.state === 'published').length;
  return {
    problems,
    summary: `${messages.length} messages for ${published} published deliveries; ${unknown} left unknown and asked about in the thread (${unknownSent} of them had reached the channel)`,
  };
}

/** The feed document holds each published delivery of `targetId` once, and nothing else. */
export function feedProblems(xml: string, snapshot: DeskSnapshot, targetId: string): string[] {
  const problems: string[] = [];
  const feed = parseAtom(xml);
  const ids = (feed.entry ?? []).map((entry) => entry.id);
  const expected = snapshot.deliveries
    .filter((d) => d.targetId === targetId && d.state === 'published')
    .map((d) => d.remoteId);
  for (const id of expected) {
    const times = ids.filter((entry) => entry === id).length;
    if (times !== 1) problems.push(`feed ${targetId}: entry ${id} appears ${times} times`);
  }
  for (const id of new Set(ids)) {
    if (!expected.includes(id)) problems.push(`feed ${targetId}: entry ${id} is no published delivery`);
  }
  return problems;
}

/**
 * `/audit N` read as a story: the proposal, then the approval, the
 * scheduling, and for each published target an attempt and then its
 * publication, in this order.
 */
export function auditStoryProblems(
  text: string,
  post: PostRow,
  deliveries: readonly DeliveryRow[],
): string[] {
  const lines = text.split('\n');
  const problems: string[] = [];
  if (!lines[0]?.startsWith(IT['audit.title']({ number: post.number }))) {
    problems.push(`/audit ${post.number}: starts with "${lines[0]}"`);
  }
  const at = (predicate: (line: string) => boolean, from = 0) =>
    lines.findIndex((line, index) => index >= from && predicate(line));
  const says = (action: Parameters<typeof auditPhrase>[0]) => (line: string) =>
    line.includes(auditPhrase(action));
  const proposed = at(says('proposed'));
  const approved = at(says('approved'), proposed + 1);
  const scheduled = at(says('scheduled'), approved + 1);
  if (proposed < 0 || approved < 0 || scheduled < 0) {
    problems.push(`/audit ${post.number}: no proposed → approved → scheduled in:\n${text}`);
  }
  for (const delivery of deliveries.filter((d) => d.state === 'published')) {
    const attempt = at(
      (line) => says('publish_attempt')(line) && line.includes(`— ${delivery.targetId}`),
      scheduled + 1,
    );
    const published = at(
      (line) => says('published')(line) && line.includes(`— ${delivery.targetId}`),
      attempt + 1,
    );
    if (attempt < 0 || published < 0) {
      problems.push(`/audit ${post.number}: no attempt → published for ${delivery.targetId} in:\n${text}`);
    }
  }
  return problems;
}

/** The Italian words of an audit action in `/audit`, between the actor and the details. */
function auditPhrase(
  action: 'proposed' | 'approved' | 'scheduled' | 'publish_attempt' | 'published',
): string {
  return `· ${IT[`audit.${action}`]()}`;
}
