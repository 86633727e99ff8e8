// A side-by-side line diff of two strategy versions: each document pretty-printed with the
// same key order, lines matched by their longest common subsequence; a run of removed lines
// facing a run of added ones pairs up as changed lines.

export type DiffKind = "same" | "changed" | "removed" | "added";

export interface DiffRow {
  kind: DiffKind;
  left: string | null;
  right: string | null;
  leftNo: number | null;
  rightNo: number | null;
}

export function documentLines(doc: unknown): string[] {
  return JSON.stringify(doc, null, 2).split("\n");
}

/** Rows of a side-by-side view of `a` (left, older) against `b` (right, newer). */
export function diffLines(a: string[], b: string[]): DiffRow[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: the common subsequence length of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const rows: DiffRow[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const pairs = Math.max(removed.length, added.length);
    for (let k = 0; k < pairs; k++) {
      const l = removed[k];
      const r = added[k];
      rows.push({
        kind: l !== undefined && r !== undefined ? "changed" : l !== undefined ? "removed" : "added",
        left: l !== undefined ? (a[l] as string) : null,
        right: r !== undefined ? (b[r] as string) : null,
        leftNo: l !== undefined ? l + 1 : null,
        rightNo: r !== undefined ? r + 1 : null,
      });
    }
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      rows.push({ kind: "same", left: a[i] as string, right: b[j] as string, leftNo: i + 1, rightNo: j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      added.push(j++);
    } else {
      removed.push(i++);
    }
  }
  flush();
  return rows;
}

/** The diff of two documents, and whether anything differs. */
export function diffDocuments(a: unknown, b: unknown): { rows: DiffRow[]; changes: number } {
  const rows = diffLines(documentLines(a), documentLines(b));
  return { rows, changes: rows.filter((r) => r.kind !== "same").length };
}
