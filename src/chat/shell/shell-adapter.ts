import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Desk } from '../../core/desk.ts';
import type { Logger } from '../../core/ports.ts';
import type { Team } from '../../core/team.ts';
import type { ShellChat } from './shell-chat.ts';
import { fromShellLine } from './translate.ts';

/** What the shell adapter needs. */
export interface ShellAdapterOptions {
  readonly input: Readable;
  readonly chat: ShellChat;
  readonly team: Team;
  readonly firstUser: string;
  readonly logger: Logger;
}

const SWITCHED = {
  it: (name: string) => `Ora scrivi come ${name}.`,
  en: (name: string) => `You now write as ${name}.`,
};
const USAGE = { it: (usage: string) => `Uso: ${usage}`, en: (usage: string) => `Usage: ${usage}` };

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
        case 'message':
          return;
        case 'as':
          this.#user = input.name;
          chat.sayToTypist(SWITCHED[team.language](input.name));
          return;
        case 'usage':
          chat.sayToTypist(USAGE[team.language](input.usage));
          return;
        case 'react':
          await this.#desk.react({
            teamId: team.id,
            actor,
            post: { number: input.number },
            emoji: input.emoji,
            added: input.added,
          });
          return;
        case 'reply':
          await this.#desk.threadReply({
            teamId: team.id,
            actor,
            post: { number: input.number },
            text: input.text,
          });
          return;
        case 'command': {
          const reply = await this.#desk.command({ teamId: team.id, actor }, input.line);
          chat.sayToTypist(reply.text);
          return;
        }
      }
    } catch (error) {
      logger.error({ err: error, line: this.#lineCount }, 'shell line failed');
      chat.sayToTypist(team.language === 'it' ? 'Errore interno: riprova.' : 'Internal error: try again.');
    }
  }
}
