import type { Card } from '../../core/card.ts';
import type { ChatOut, ChatResult, OutMessage, PostedCard } from '../../core/ports.ts';
import { ok } from '../../core/result.ts';
import type { Team } from '../../core/team.ts';
import { prefixLines, toShellCard, toShellCardSummary, toShellText } from './translate.ts';

/** Where the shell writes its lines. */
export interface LineSink {
  write(text: string): void;
}

/**
 * The shell's side of ChatOut: every line says where it belongs,
 * `[#channel]` for the channel, `[thread ID]` for a post's thread. A card's
 * reference is its post number, which is what `/react ID` names. Writing a
 * line cannot half-fail, so no write is ever uncertain.
 */
export class ShellChat implements ChatOut {
  readonly #out: LineSink;

  constructor(out: LineSink) {
    this.#out = out;
  }

  #print(prefix: string, text: string): void {
    this.#out.write(`${prefixLines(prefix, text)}\n`);
  }

  async postCard(team: Team, card: Card): Promise<ChatResult<PostedCard>> {
    this.#print(`[#${team.channel}]`, toShellCard(card));
    return ok({ cardRef: String(card.postNumber) });
  }

  async updateCard(_team: Team, cardRef: string, card: Card): Promise<ChatResult<void>> {
    // A terminal cannot redraw a past line: a one-line summary goes in the thread.
    this.#print(`[thread ${cardRef}]`, toShellCardSummary(card));
    return ok(undefined);
  }

  async replyInThread(_team: Team, cardRef: string, message: OutMessage): Promise<ChatResult<void>> {
    this.#print(`[thread ${cardRef}]`, toShellText(message));
    return ok(undefined);
  }

  async postInChannel(team: Team, message: OutMessage): Promise<ChatResult<void>> {
    this.#print(`[#${team.channel}]`, toShellText(message));
    return ok(undefined);
  }

  async sayPrivately(_team: Team, _recipient: string, message: OutMessage): Promise<ChatResult<void>> {
    this.sayToTypist(message.text);
    return ok(undefined);
  }

  /** a reply only the typist sees */
  sayToTypist(text: string): void {
    this.#print('[only you]', text);
  }
}
