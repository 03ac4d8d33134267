#!/usr/bin/env bash
# Fails when src/store/schema.ts and the committed migrations in drizzle/
# disagree: regenerating must produce nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
npx drizzle-kit generate --name drift_check >/dev/null
if [ -n "$(git status --porcelain -- drizzle)" ]; then
  echo "Migrations drift: src/store/schema.ts changed without 'npm run db:generate'." >&2
  git status --porcelain -- drizzle >&2
  git checkout -- drizzle 2>/dev/null || true
  git clean -fdq -- drizzle
  exit 1
fi
echo "Migrations match the schema."
