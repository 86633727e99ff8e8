// Fails when the checked-in API types differ from what docs/openapi.json generates now,
// so the UI and the API cannot drift apart unnoticed (run by `npm run check:api`).
import { readFileSync, rmSync } from "node:fs";

const [kept, fresh] = process.argv.slice(2);
const same = readFileSync(kept, "utf8") === readFileSync(fresh, "utf8");
rmSync(fresh);
if (!same) {
  console.error(`${kept} is stale: run \`npm run gen:api\` in web/ and commit it`);
  process.exit(1);
}
