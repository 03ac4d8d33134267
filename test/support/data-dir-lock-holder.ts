// Child process for the data directory lock tests: takes the lock on the
// directory given as argument, says so on stdout, and holds it until its
// stdin closes (then releases it and exits), or until it is killed.
import { once } from 'node:events';
import { lockDataDir } from '../../src/store/data-dir-lock.ts';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: data-dir-lock-holder.ts <dir>');
const lock = lockDataDir(dir);
process.stdout.write(`locked ${process.pid}\n`);
process.stdin.resume();
await once(process.stdin, 'end');
lock.release();
process.stdout.write('released\n');
