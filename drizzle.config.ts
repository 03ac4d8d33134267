import { defineConfig } from 'drizzle-kit';

// Generation only needs the schema; migrations are applied by the app's own
// migrate() at start, on PGlite or PostgreSQL alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
