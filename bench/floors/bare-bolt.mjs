// The ack floor: a plain @slack/bolt 5.1 app, as its README starts one, with
// the HTTPReceiver (processBeforeResponse as Araldo has it, so the answer
// leaves when the handler ends), acking `/propose` at once with a short
// text. Same signing secret, same FakeSlack for auth.test, same Node, same
// machine as Araldo in the same run: the difference in ack latency is
// Araldo's own work. Prints `{"port":…}` once listening; stops on SIGTERM.
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  endpoints: '/slack/events',
  processBeforeResponse: true,
});
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command('/propose', async ({ ack }) => {
  await ack('Proposta ricevuta.');
});
const port = Number(process.env.PORT);
await app.start(port);
process.stdout.write(`${JSON.stringify({ port })}\n`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
