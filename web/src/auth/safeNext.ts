/** Where to go after signing in: only a path on this site (never an open redirect). */
export function safeNext(raw: string | null): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) {
    return "/dashboard";
  }
  return raw.startsWith("/signin") ? "/dashboard" : raw;
}
