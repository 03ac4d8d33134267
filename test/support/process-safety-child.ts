// Child process for the process-safety tests: installs Araldo's policy with
// the real pino logger (the given secret redacted), then lets an exception
// and a rejection escape, as a library bug would. `running` marks start-up
// as over first; `starting` does not. It prints `still running` on stdout if
// it survives both.
import { createLogger } from '../../src/logger.ts';
import { installProcessSafety } from '../../src/process-safety.ts';

const [phase, secret] = process.argv.slice(2);
if ((phase !== 'running' && phase !== 'starting') || !secret)
  throw new Error('usage: process-safety-child.ts running|starting <secret>');
const safety = installProcessSafety({ logger: createLogger({ level: 'info', secrets: [secret] }) });
if (phase === 'running') safety.started();

setTimeout(() => {
  throw new Error(`thrown from a timer, token ${secret}`);
}, 0);
setTimeout(() => {
  void Promise.reject(new Error(`rejected, token ${secret}`));
  setTimeout(() => process.stdout.write('still running\n'), 0);
}, 0);
