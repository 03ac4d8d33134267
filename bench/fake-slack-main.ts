import { FakeSlack } from '../test/fakes/fake-slack.ts';
import { BENCH_DESK } from './desk-kit.ts';

// FakeSlack (test/fakes/fake-slack.ts) in a process of its own for the
// bench: every child Araldo and the bare Bolt floor call it, and its work
// (storing cards, answering users.info) never runs on the load generator's
// event loop. Prints `{"url":…,"port":…}` once listening; stops on SIGTERM.

const fake = await FakeSlack.start({
  botToken: BENCH_DESK.botToken,
  teamId: BENCH_DESK.workspace,
  channels: [BENCH_DESK.channel],
});
for (const [index, id] of BENCH_DESK.editors.entries()) {
  fake.setUser(id, {
    name: `redattore${index + 1}`,
    displayName: `Redattore ${index + 1}`,
    tz: 'Europe/Rome',
  });
}
fake.setUser(BENCH_DESK.supervisor, { name: 'capo', displayName: 'Capo ufficio stampa', tz: 'Europe/Rome' });
process.stdout.write(`${JSON.stringify({ url: fake.url, port: fake.port })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
