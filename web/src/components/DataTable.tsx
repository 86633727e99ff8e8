import { Button, Group, Paper, ScrollArea, SimpleGrid, Stack, Table, Text, UnstyledButton } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { Fragment, type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { download, toCsv } from "./csv";

export interface Column<T> {
  key: string;
  header: string;
  /** What the cell shows. */
  render: (row: T) => ReactNode;
  /** The raw value for sorting and CSV (numbers sort as numbers). */
  value?: (row: T) => string | number | null | undefined;
  numeric?: boolean;
  /** In the phone cards: part of the card's title line, the figure at its right (the P&L, as
   * Kite's app shows it), or left out (default: a labelled field). */
  card?: "title" | "aside" | "hidden";
  /** A lesser column: when the table is wider than its box, columns with `drop` go, lowest
   * first, rather than push the deciding figures (P&L, status, the buttons) out of sight. */
  drop?: number;
}

interface Props<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  csvName?: string;
  empty?: ReactNode;
  /** Its rows are still on their way: the table says "Loading…" where `empty` would be, and is
   * `aria-busy` until they come, so a screen reader (and a test counting rows) does not take
   * the placeholder for a row of data. */
  loading?: boolean;
  initialSort?: { key: string; desc?: boolean };
  rowActions?: (row: T) => ReactNode;
  /** Called when a row is clicked or something in it takes focus (e.g. the row a key acts on). */
  onRowSelect?: (row: T) => void;
  /** On a phone, one card per row (title line, labelled fields, full-size actions) instead of
   * a table that scrolls sideways with its status and buttons off-screen. A table that does
   * not fit its box even without its `drop` columns turns into cards too, at any width. */
  phoneCards?: boolean;
  /** Show this many rows at a time, with previous/next pages (the CSV still has them all); a
   * phone shows at most 20 a page (cards are tall). */
  pageSize?: number;
  /** What opens under a row (a sliced order's children): shown while it is not null. */
  rowDetail?: (row: T) => ReactNode | null;
  /** Rows the server sorted (a page of many): the headers show `sort` and ask `onSort` for
   * another order; the table sorts nothing itself. */
  sort?: { key: string; desc?: boolean };
  onSort?: (sort: { key: string; desc?: boolean }) => void;
}

function compare(a: string | number | null | undefined, b: string | number | null | undefined) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return String(a).localeCompare(String(b));
}

/** Whether the element's content is wider than it (then keyboard users must be able to
 * focus it to scroll: WCAG 2.1.1, axe's scrollable-region-focusable). */
function useOverflow(ref: React.RefObject<HTMLDivElement | null>): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const check = () => setOver(el.scrollWidth > el.clientWidth + 1);
    const watch = new ResizeObserver(check);
    watch.observe(el);
    if (el.firstElementChild) watch.observe(el.firstElementChild);
    check();
    return () => watch.disconnect();
  }, [ref]);
  return over;
}

/** How much of the table fits its box: `level` lesser columns dropped (in `drop` order), or,
 * past the last of them, cards. Measured before paint, one step a render, so the page never
 * shows the table too wide; a box grown wider tries the whole table again, a narrower one
 * measures again. */
function useFit(box: React.RefObject<HTMLDivElement | null>, viewport: React.RefObject<HTMLDivElement | null>, steps: number, content: unknown): number {
  const [level, setLevel] = useState(0);
  const [narrowed, setNarrowed] = useState(0);
  const width = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && level <= steps && el.scrollWidth > el.clientWidth + 1) setLevel(level + 1);
  }, [level, steps, content, narrowed, viewport]);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const watch = new ResizeObserver(() => {
      const now = el.clientWidth;
      if (width.current !== null && now > width.current) setLevel(0);
      if (width.current !== null && now < width.current) setNarrowed((n) => n + 1);
      width.current = now;
    });
    watch.observe(el);
    return () => watch.disconnect();
  }, [box]);
  return level;
}

/** A sortable table with a CSV export of exactly the rows it holds (every page). */
export function DataTable<T>({ caption, columns, rows, rowKey, csvName, empty: none, loading, initialSort, rowActions, onRowSelect, phoneCards, pageSize, rowDetail, sort: asked, onSort }: Props<T>) {
  const phone = useMediaQuery("(max-width: 36em)") ?? false;
  const [mine, setMine] = useState(initialSort ?? null);
  const sort = onSort ? (asked ?? null) : mine;
  const setSort = onSort ?? setMine;
  const [page, setPage] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const overflowing = useOverflow(viewport);
  const lesser = useMemo(() => [...new Set(columns.flatMap((c) => (c.drop === undefined ? [] : [c.drop])))].sort((a, b) => a - b), [columns]);
  const sorted = useMemo(() => {
    if (!sort || onSort) return rows;
    const col = columns.find((c) => c.key === sort.key);
    if (!col?.value) return rows;
    const get = col.value;
    const out = [...rows].sort((a, b) => compare(get(a), get(b)));
    return sort.desc ? out.reverse() : out;
  }, [rows, sort, columns, onSort]);

  const size = pageSize && phone ? Math.min(pageSize, 20) : pageSize;
  const pages = size ? Math.max(1, Math.ceil(sorted.length / size)) : 1;
  const at = Math.min(page, pages - 1); // the rows shrank under a filter: stay on a page that exists
  const shown = size ? sorted.slice(at * size, (at + 1) * size) : sorted;
  const level = useFit(box, viewport, lesser.length, shown);
  const cut = lesser[level - 1] ?? (level > lesser.length ? Infinity : -Infinity);
  const visible = level > lesser.length ? columns : columns.filter((c) => c.drop === undefined || c.drop > cut);
  const cards = (phoneCards && phone) || level > lesser.length;
  const empty = loading ? "Loading…" : none;

  const exportCsv = () => {
    const cols = columns.filter((c) => c.value);
    download(
      `${csvName ?? "export"}.csv`,
      toCsv(cols.map((c) => c.header), sorted.map((r) => cols.map((c) => c.value?.(r)))),
    );
  };

  return (
    <div ref={box}>
      {csvName && (
        <Group justify="flex-end" mb="xs">
          <Button size="xs" variant="default" onClick={exportCsv} disabled={rows.length === 0}>
            Export CSV
          </Button>
        </Group>
      )}
      {cards ? (
        <RowCards caption={caption} columns={phone ? columns.filter((c) => c.drop === undefined) : columns} rows={shown} rowKey={rowKey} empty={empty}
          rowActions={rowActions} onRowSelect={onRowSelect} rowDetail={rowDetail} />
      ) : (
      <ScrollArea type="auto" viewportRef={viewport} viewportProps={overflowing ? { tabIndex: 0 } : undefined}>
        <Table striped highlightOnHover verticalSpacing={6} fz="sm" aria-busy={loading || undefined}>
          <Table.Caption style={{ captionSide: "top", textAlign: "left" }} className="visually-hidden">
            {caption}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {visible.map((c) => {
                const active = sort?.key === c.key;
                const ariaSort = active ? (sort?.desc ? "descending" : "ascending") : "none";
                return (
                  <Table.Th key={c.key} aria-sort={c.value ? ariaSort : undefined}
                    style={{ textAlign: c.numeric ? "right" : "left" }}>
                    {c.value ? (
                      <UnstyledButton fz="sm" fw={600}
                        onClick={() => { setSort(active && !sort?.desc ? { key: c.key, desc: true } : { key: c.key }); setPage(0); }}>
                        {c.header}
                        {active ? (sort?.desc ? " ▼" : " ▲") : ""}
                      </UnstyledButton>
                    ) : (
                      c.header
                    )}
                  </Table.Th>
                );
              })}
              {rowActions && <Table.Th><span className="visually-hidden">Actions</span></Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={visible.length + (rowActions ? 1 : 0)}>
                  <Text c="dimmed" ta="center" py="md">{empty ?? "Nothing here yet."}</Text>
                </Table.Td>
              </Table.Tr>
            ) : (
              shown.map((row) => {
                const detail = rowDetail?.(row) ?? null;
                return (
                  <Fragment key={rowKey(row)}>
                    <Table.Tr
                      onClick={onRowSelect && (() => onRowSelect(row))}
                      onFocusCapture={onRowSelect && (() => onRowSelect(row))}>
                      {visible.map((c) => (
                        <Table.Td key={c.key} className={c.numeric ? "num" : undefined}>{c.render(row)}</Table.Td>
                      ))}
                      {rowActions && <Table.Td>{rowActions(row)}</Table.Td>}
                    </Table.Tr>
                    {detail !== null && (
                      <Table.Tr>
                        <Table.Td colSpan={visible.length + (rowActions ? 1 : 0)} pl="xl">{detail}</Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                );
              })
            )}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      )}
      {size !== undefined && pages > 1 && (
        <Group justify="space-between" mt="xs" wrap="wrap" aria-label={`${caption}: pages`} role="navigation">
          <Text size="sm" c="dimmed" aria-live="polite">
            {at * size + 1}–{Math.min((at + 1) * size, sorted.length)} of {sorted.length}
          </Text>
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={at === 0} onClick={() => setPage(at - 1)}>Previous</Button>
            <Text size="sm">Page {at + 1} of {pages}</Text>
            <Button size="xs" variant="default" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>Next</Button>
          </Group>
        </Group>
      )}
    </div>
  );
}

type CardProps<T> = Pick<Props<T>, "caption" | "columns" | "rows" | "rowKey" | "empty" | "rowActions" | "onRowSelect" | "rowDetail">;

/** The phone layout of a table: the title columns on top, the others as labelled fields. */
function RowCards<T>({ caption, columns, rows, rowKey, empty, rowActions, onRowSelect, rowDetail }: CardProps<T>) {
  if (rows.length === 0) return <Text c="dimmed" ta="center" py="md">{empty ?? "Nothing here yet."}</Text>;
  const marked = columns.filter((c) => c.card === "title");
  const titled = marked.length > 0 ? marked : columns.slice(0, 1);
  const aside = columns.filter((c) => c.card === "aside");
  const fields = columns.filter((c) => !titled.includes(c) && c.card !== "hidden" && c.card !== "aside");
  return (
    <Stack gap="xs" component="ul" aria-label={caption} style={{ listStyle: "none", padding: 0, margin: 0 }}>
      {rows.map((row) => (
        <Paper component="li" withBorder p="sm" key={rowKey(row)}
          onClick={onRowSelect && (() => onRowSelect(row))} onFocusCapture={onRowSelect && (() => onRowSelect(row))}>
          <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs" mb={4}>
            <Text fw={600}>
              {titled.map((c, i) => <span key={c.key}>{i > 0 ? " · " : ""}{c.render(row)}</span>)}
            </Text>
            {aside.map((c) => <Text key={c.key} fw={700}><span className="visually-hidden">{c.header} </span>{c.render(row)}</Text>)}
          </Group>
          <SimpleGrid cols={2} spacing="xs" verticalSpacing={4}>
            {fields.map((c) => (
              <div key={c.key}>
                <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>{c.header}</Text>
                <Text size="sm" className={c.numeric ? "num" : undefined} ta="left" style={{ overflowWrap: "anywhere" }}>{c.render(row)}</Text>
              </div>
            ))}
          </SimpleGrid>
          {rowActions && <Group mt="xs" gap="xs" className="card-actions">{rowActions(row)}</Group>}
          {rowDetail?.(row) ?? null}
        </Paper>
      ))}
    </Stack>
  );
}
