import { FakeWebhookReceiver, type ReceivedWebhook } from './fake-webhook-receiver.ts';

// The fake receiver on its own, for trying a webhook target by hand or for a
// test that needs it in a process of its own:
//
//   FAKE_WEBHOOK_SECRET=whsec_… node --import tsx test/fakes/fake-webhook-receiver-main.ts [port]
//
// Prints `{"url":…}` once listening, then one JSON line per request
// (`{"id":…,"signatureValid":…,"duplicate":…}`) on stdout; stops on SIGINT or SIGTERM.

const secret = process.env.FAKE_WEBHOOK_SECRET;
if (!secret) {
  process.stderr.write('FAKE_WEBHOOK_SECRET is required (whsec_ and the base64 of 24 to 64 bytes)\n');
  process.exit(2);
}
const receiver = await FakeWebhookReceiver.start({ secret, port: Number(process.argv[2] ?? 0) });
receiver.on('request', (request: ReceivedWebhook) => {
  const { id, signatureValid, duplicate } = request;
  process.stdout.write(`${JSON.stringify({ id, signatureValid, duplicate })}\n`);
});
process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void receiver.close().then(() => process.exit(0));
  });
}
