import { PassThrough } from 'node:stream';
import { ShellAdapter } from '../../src/chat/shell/shell-adapter.ts';
import { ShellChat } from '../../src/chat/shell/shell-chat.ts';
import type { DeskHarness } from './desk-harness.ts';

/**
 * Types `lines` into the real shell adapter over a harness's desk, as `user`
 * (`/as` switches within the session), and resolves with every line the
 * shell printed for the typist once all of them are handled. The desk's own
 * chat output (cards, threads) stays in the harness's InMemoryChat.
 */
export async function typeInShell(h: DeskHarness, user: string, lines: readonly string[]): Promise<string[]> {
  const printed: string[] = [];
  const input = new PassThrough();
  const chat = new ShellChat({ write: (text) => printed.push(...text.replace(/\n$/, '').split('\n')) });
  const shell = new ShellAdapter(h.desk, { input, chat, team: h.team, firstUser: user, logger: h.logger });
  const done = shell.run();
  input.end(lines.map((line) => `${line}\n`).join(''));
  await done;
  return printed;
}
