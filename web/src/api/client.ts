// The one typed client of the API, generated from docs/openapi.json (`npm run gen:api`).
// Cookies carry the session; a 401 anywhere sends the user to sign-in and back afterwards.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export type { components, operations, paths } from "./schema";

let onUnauthorized: (() => void) | null = null;

/** The router registers how to go to sign-in (keeps this module free of routing). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const PUBLIC_401 = ["/api/auth/me", "/api/auth/password-login", "/api/auth/verify-link"];

const unauthorized: Middleware = {
  onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !PUBLIC_401.includes(path)) onUnauthorized?.();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: "same-origin" });
api.use(unauthorized);
