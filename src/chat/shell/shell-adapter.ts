import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Desk, LocateResult } from '../../core/desk.ts';
import { quoted } from '../../core/excerpt.ts';
import type { Logger } from '../../core/ports.ts';
import { explainNotAReview } from '../../core/review-action.ts';
import type { Team } from '../../core/team.ts';
import { checkText, describeTextProblem } from '../../core/text-check.ts';
import { t } from './i18n/translate.ts';
import type { ShellChat } from './shell-chat.ts';
import { fromShellEmoji, fromShellLine, SHELL_REVIEW_REACTIONS } from './translate.ts';

/** What the shell adapter needs. */
export interface ShellAdapterOptions {
  readonly input: Readable;
  readonly chat: ShellChat;
  readonly team: Team;
  readonly firstUser: string;
  readonly logger: Logger;
}

/**
 * A terminal chat (SPEC §4): each line is one message in the team channel
 * from the current user. Lines are handled one after another, in order, so
 * a script piped on stdin behaves like a person typing.
 */
export class ShellAdapter {
  readonly #options: ShellAdapterOptions;
  readonly #desk: Desk;
  #user: string;
  #lineCount = 0;
  #done: Promise<void> = Promise.resolve();

  constructor(desk: Desk, options: ShellAdapterOptions) {
    this.#desk = desk;
    this.#options = options;
    this.#user = options.firstUser;
  }

  /**
   * Starts reading; resolves when the input has ended and every line has
   * been handled. The process keeps running afterwards (SPEC §4).
   */
  run(): Promise<void> {
    const lines = createInterface({
      input: this.#options.input,
      crlfDelay: Number.POSITIVE_INFINITY,
      terminal: false,
    });
    return new Promise((resolve) => {
      lines.on('line', (line) => {
        this.#done = this.#done.then(() => this.#handle(line));
      });
      lines.on('close', () => {
        void this.#done.then(resolve);
      });
    });
  }

  /** resolves once every line read so far has been handled */
  idle(): Promise<void> {
    return this.#done;
  }

  async #handle(line: string): Promise<void> {
    const { chat, team, logger } = this.#options;
    this.#lineCount += 1;
    const input = fromShellLine(line);
    const actor = { id: this.#user, name: this.#user };
    try {
      switch (input.kind) {
        case 'blank':
          return;
        case 'message':
          chat.sayToTypist(t(team.language, 'shell.plain_message'));
          return;
        case 'as':
          this.#user = input.name;
          chat.sayToTypist(t(team.language, 'shell.switched', { name: input.name }));
          return;
        case 'usage':
          chat.sayToTypist(t(team.language, 'shell.usage', { usage: input.usage }));
          return;
        case 'react': {
          const post = { number: input.number };
          const action = fromShellEmoji(input.emoji);
          const result = await this.#desk.react({ teamId: team.id, actor, post, action, added: input.added });
          // A terminal reads top to bottom: what the reaction owes the thread comes before the answer.
          await this.#desk.flushOwed();
          if (result === 'not_a_review') {
            chat.sayToTypist(
              explainNotAReview(team.language, input.emoji, input.added, SHELL_REVIEW_REACTIONS),
            );
            return;
          }
          if (result === 'applied' && action) {
            // A terminal shows no reaction under the card, and a reaction may
            // rightly change nothing in the thread (a repeat, a decided post):
            // the typist is told it was taken, whatever follows.
            chat.sayToTypist(
              t(team.language, 'shell.reaction_applied', {
                emoji: quoted(input.emoji, 32),
                action: t(team.language, `review.${action}`),
                number: input.number,
                added: input.added,
              }),
            );
            return;
          }
          this.#explain(result, input.number);
          return;
        }
        case 'reply': {
          const post = { number: input.number };
          const result = await this.#desk.threadReply({ teamId: team.id, actor, post, text: input.text });
          // The desk refused it; the same check says which character, and where.
          const clean = result === 'bad_text' ? checkText(input.text) : undefined;
          if (clean && !clean.ok) chat.sayToTypist(describeTextProblem(team.language, clean.error));
          else this.#explain(result, input.number);
          return;
        }
        case 'command': {
          const reply = await this.#desk.command({ teamId: team.id, actor }, input.line);
          // The card and thread lines the command owes come before the typist's answer, as in a chat.
          await this.#desk.flushOwed();
          chat.sayToTypist(reply.text);
          return;
        }
      }
    } catch (error) {
      logger.error({ err: error, line: this.#lineCount }, 'shell line failed');
      chat.sayToTypist(t(team.language, 'shell.internal_error'));
    }
  }

  /** tells the typist that a reaction or reply found no post */
  #explain(result: LocateResult, number: number): void {
    const { chat, team } = this.#options;
    if (result === 'no_such_post') chat.sayToTypist(t(team.language, 'command.no_such_post', { number }));
  }
}
