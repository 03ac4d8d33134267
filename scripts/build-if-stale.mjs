// Compiles src/ to dist/ when dist/ is missing or older than any source file,
// so `npm start` on a fresh clone or after an edit runs what is in src/, and a
// start with nothing changed pays a directory walk (milliseconds), not a
// compiler run (seconds). Plain JavaScript: it must run before anything is built.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Written after each successful build: tsc leaves its own build info untouched
// when nothing changed in what it emits, so that file's time cannot say it.
const stamp = join(root, 'dist', '.built');

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

const sources = Math.max(
  newestIn(join(root, 'src')),
  ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map(
    (f) => statSync(join(root, f)).mtimeMs,
  ),
);
if (builtAt() < sources) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
    writeFileSync(stamp, `${new Date().toISOString()}\n`);
  } catch {
    process.stderr.write('Araldo could not be built: the TypeScript errors are above.\n');
    process.exit(1);
  }
}
