// Every page is its own chunk (route-level splitting keeps the first load small); a feature
// folder exports its page as `Component` so React Router can lazy-load it.
import { createBrowserRouter, redirect } from "react-router";
import { setUnauthorizedHandler } from "@/api/client";
import { RequireAuth } from "@/auth/RequireAuth";
import { Shell } from "@/shell/Shell";
import { appRoutes } from "./routes";

export const router = createBrowserRouter([
  { path: "/signin", lazy: () => import("@/auth/SignInPage") },
  { path: "/auth/verify", lazy: () => import("@/auth/VerifyLinkPage") },
  { path: "/family/invite", lazy: () => import("@/family/InvitePage") },
  {
    element: <RequireAuth />,
    children: [
      {
        element: <Shell />,
        children: [{ index: true, loader: () => redirect("/dashboard") }, ...appRoutes],
      },
    ],
  },
  { path: "*", lazy: () => import("@/shell/NotFoundPage") },
]);

setUnauthorizedHandler(() => {
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname !== "/signin") {
    void router.navigate(`/signin?next=${encodeURIComponent(here)}`);
  }
});
