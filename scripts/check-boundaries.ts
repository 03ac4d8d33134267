/**
 * The architecture's boundaries, checked in CI (STYLE.md): the core imports
 * no SDK, driver or scheduler and nothing outside core/; chat/ and publish/
 * never import each other; store/ and scheduler/ import no adapter. Prints
 * every violation and exits non-zero when there is one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Packages the core may use: pure computation only. */
const CORE_PACKAGES = new Set(['luxon', 'twitter-text']);

interface Rule {
  readonly from: string;
  /** src/ folders this area must not import */
  readonly forbiddenAreas: readonly string[];
  /** when set, the only bare (package) imports allowed */
  readonly allowedPackages?: ReadonlySet<string>;
  readonly allowNodeBuiltins: boolean;
}

const RULES: readonly Rule[] = [
  {
    from: 'core',
    forbiddenAreas: ['chat', 'publish', 'store', 'scheduler', 'web', 'config.ts', 'main.ts', 'logger.ts'],
    allowedPackages: CORE_PACKAGES,
    allowNodeBuiltins: false,
  },
  { from: 'chat', forbiddenAreas: ['publish', 'store', 'scheduler', 'main.ts'], allowNodeBuiltins: true },
  { from: 'publish', forbiddenAreas: ['chat', 'store', 'scheduler', 'main.ts'], allowNodeBuiltins: true },
  {
    from: 'store',
    forbiddenAreas: ['chat', 'publish', 'scheduler', 'web', 'main.ts'],
    allowNodeBuiltins: true,
  },
  {
    from: 'scheduler',
    forbiddenAreas: ['chat', 'publish', 'store', 'web', 'main.ts'],
    allowNodeBuiltins: true,
  },
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1] ?? match[2] ?? '');
  return specifiers.filter(Boolean);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const violations: string[] = [];
for (const rule of RULES) {
  const areaDir = join(SRC, rule.from);
  for (const file of files(areaDir)) {
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const where = relative(ROOT, file);
      if (specifier.startsWith('.')) {
        const target = relative(SRC, resolve(dirname(file), specifier));
        const area = target.split('/')[0] ?? '';
        if (target.startsWith('..')) violations.push(`${where} imports ${specifier}, outside src/`);
        else if (rule.forbiddenAreas.includes(area))
          violations.push(`${where} imports ${specifier} (${rule.from}/ must not use ${area})`);
      } else if (specifier.startsWith('node:')) {
        if (!rule.allowNodeBuiltins)
          violations.push(`${where} imports ${specifier} (${rule.from}/ does no I/O)`);
      } else if (rule.allowedPackages && !rule.allowedPackages.has(packageName(specifier))) {
        violations.push(
          `${where} imports ${specifier} (${rule.from}/ may only use ${[...rule.allowedPackages].join(', ')})`,
        );
      }
    }
  }
}

// The core reads time only from its injected Clock.
for (const file of files(join(SRC, 'core'))) {
  const source = readFileSync(file, 'utf8');
  if (/new Date\(\s*\)|Date\.now\(\)/.test(source)) {
    violations.push(`${relative(ROOT, file)} reads the system clock (core takes time from its Clock)`);
  }
}

if (violations.length > 0) {
  process.stderr.write(`Architecture boundaries broken:\n${violations.map((v) => `  - ${v}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('Architecture boundaries hold.\n');
