#!/usr/bin/env bash
# Fails when src/store/schema.ts and the migrations in drizzle/ disagree:
# regenerating into a scratch copy of drizzle/ must produce nothing new.
# The real drizzle/ folder is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d ./.drift-check.XXXXXX)  # drizzle-kit takes --out relative to the project
trap 'rm -rf "$scratch"' EXIT
cp -r drizzle/. "$scratch/"
before=$(find "$scratch" -type f | sort | xargs sha256sum | sed "s#$scratch##")
npx drizzle-kit generate --dialect postgresql --schema ./src/store/schema.ts --out "$scratch" --name drift_check >/dev/null
after=$(find "$scratch" -type f | sort | xargs sha256sum | sed "s#$scratch##")
if [ "$before" != "$after" ]; then
  echo "Migrations drift: src/store/schema.ts changed without 'npm run db:generate'." >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "Migrations match the schema."
