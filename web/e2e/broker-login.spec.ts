// Kite's Browser Login against the fake Kite: the login page sends the browser back to our
// callback, and with no secret stored the checksum is computed in this browser, so the API
// secret never reaches the server.
import { expect, test } from "@playwright/test";
import { APP, completeKiteLogin, connectKite, forgetKite, recordRequests } from "./kite";
import { expectAccessible } from "./support";

test("Kite Browser Login: the secret stays in the browser, the session connects", async ({ page, baseURL }) => {
  let sent: string[] = [];
  await connectKite(page, String(baseURL), () => {
    sent = recordRequests(page);
  });
  await expectAccessible(page);
  await completeKiteLogin(page);
  expect(sent.filter((s) => s.includes(APP.api_secret))).toEqual([]);
  await forgetKite(page);
});
