import type { Card } from '../../core/card.ts';
import type { ChatOut, OutMessage } from '../../core/ports.ts';
import type { Team } from '../../core/team.ts';
import { prefixLines, toShellCard, toShellCardSummary, toShellText } from './translate.ts';

/** Where the shell writes its lines. */
export interface LineSink {
  write(text: string): void;
}

/**
 * The shell's side of ChatOut: every line says where it belongs,
 * `[#channel]` for the channel, `[thread ID]` for a post's thread. A card's
 * reference is its post number, which is what `/react ID` names.
 */
export class ShellChat implements ChatOut {
  readonly #out: LineSink;

  constructor(out: LineSink) {
    this.#out = out;
  }

  #print(prefix: string, text: string): void {
    this.#out.write(`${prefixLines(prefix, text)}\n`);
  }

  async postCard(team: Team, card: Card): Promise<string> {
    this.#print(`[#${team.channel}]`, toShellCard(card));
    return String(card.postNumber);
  }

  async updateCard(team: Team, cardRef: string, card: Card): Promise<void> {
    // A terminal cannot redraw a past line: a one-line summary goes in the thread.
    void team;
    this.#print(`[thread ${cardRef}]`, toShellCardSummary(card));
  }

  async replyInThread(_team: Team, cardRef: string, message: OutMessage): Promise<void> {
    this.#print(`[thread ${cardRef}]`, toShellText(message));
  }

  async postInChannel(team: Team, message: OutMessage): Promise<void> {
    this.#print(`[#${team.channel}]`, toShellText(message));
  }

  /** a reply only the typist sees */
  sayToTypist(text: string): void {
    this.#print('[only you]', text);
  }
}
