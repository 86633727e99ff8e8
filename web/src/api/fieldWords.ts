// A bad field said for people: `entry_rules.conditions` needing an item is "Entry rules: add at
// least one condition", never a JSON path. The server says its 422s the same way (each item's
// `message`, tradertape.serving.field_words); this is for problems the app finds itself. Both
// are held to one table, fieldWords.cases.json.

const SAID: Record<string, string> = {
  qty: "quantity", op: "operator", pct: "%", id: "ID", ids: "IDs", ip: "IP", ips: "IP addresses", sl: "stop-loss",
  ltp: "last price", url: "URL", gtt: "GTT", mtm: "MTM", addon: "add-on", addons: "add-ons",
};
const ONE: Record<string, string> = { ips: "IP address", addresses: "address", ids: "ID" };
const ROOTS = new Set(["", "body", "request", "query", "path"]);

const words = (key: string) => key.split("_").filter(Boolean).map((p) => SAID[p] ?? p).join(" ");

function singular(key: string): string {
  const parts = key.split("_");
  const last = parts[parts.length - 1] ?? "";
  if (last in ONE) return [words(parts.slice(0, -1).join("_")), ONE[last]].filter(Boolean).join(" ");
  const w = words(key);
  if (w.endsWith("ies")) return `${w.slice(0, -3)}y`;
  return w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w;
}

/** [index, name] pairs of a path; `allowed_ips.0` (a dotted index) is an index too. */
function tokens(field: string): [string, string][] {
  return [...field.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[2] && /^\d+$/.test(m[2]) ? [m[2], ""] : [m[1] ?? "", m[2] ?? ""]));
}

const capital = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
const midSentence = (t: string) => (/^.[a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t);

/** `entry_rules.conditions[1].op` → "Entry rules, condition 2, operator"; a request's root is no words. */
export function fieldWords(field: string): string {
  if (ROOTS.has(field)) return "";
  const said: string[] = [];
  const ts = tokens(field);
  ts.forEach(([index, name], i) => {
    if (index) {
      const before = ts[i - 1];
      if (said.length && before && !before[0]) said[said.length - 1] = `${singular(before[1])} ${Number(index) + 1}`;
      else said.push(`item ${Number(index) + 1}`);
    } else if (!ROOTS.has(name) || said.length) said.push(words(name));
  });
  return capital(said.join(", "));
}

/** One problem as a sentence: the field in words, then what is wrong (`least`: a list needing
 * that many items, said as what to add). */
export function problemWords(field: string, message: string, least?: number): string {
  const ts = tokens(field);
  const last = ts[ts.length - 1];
  let label: string, text: string;
  if (least !== undefined && last && last[1]) {
    const parent = field.slice(0, field.length - last[1].length).replace(/\.$/, "");
    label = fieldWords(parent);
    text = `add at least ${least === 1 ? "one" : least} ${least === 1 ? singular(last[1]) : words(last[1])}`;
  } else [label, text] = [fieldWords(field), message];
  return label ? `${label}: ${midSentence(text)}` : capital(text);
}
