// npm run slack:manifest -- --url https://… | --socket [--name "…"] [--json]
// Prints the Slack app manifest for this installation and the link that opens
// Slack's create-app dialog prefilled with it (see slack-manifest-lib.ts).
import { runSlackManifest } from './slack-manifest-lib.ts';

// exitCode, not exit(): a piped stdout gets the whole manifest before the process ends.
process.exitCode = runSlackManifest(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
