import { ActionIcon, Kbd, Modal, NavLink, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue, useHotkeys } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { SearchIcon } from "@/components/icons";
import { InstrumentName } from "@/components/InstrumentName";

/** Instrument search, opened with `/` anywhere outside a text field. */
export function InstrumentSearch() {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [q] = useDebouncedValue(text.trim(), 150);
  const navigate = useNavigate();
  useHotkeys([["/", () => setOpen(true)]]);
  const found = useQuery({
    queryKey: ["instruments", "search", q],
    enabled: open && q.length > 0,
    queryFn: async () =>
      unwrap(await api.GET("/api/instruments/search", { params: { query: { q, limit: 12 } } })),
    staleTime: 60_000,
  });
  const pick = (key: string) => {
    setOpen(false);
    setText("");
    void navigate(`/market?symbol=${encodeURIComponent(key)}`);
  };
  return (
    <>
      <ActionIcon variant="subtle" size="lg" aria-label="Search instruments (/)" onClick={() => setOpen(true)}>
        <SearchIcon />
      </ActionIcon>
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={open} onClose={() => setOpen(false)} title="Search instruments" size="lg">
        <Stack gap="xs">
          <TextInput data-autofocus label="Symbol or name" placeholder="e.g. RELIANCE, infosys, NIFTY"
            value={text} onChange={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              const top = found.data?.[0];
              if (e.key === "Enter" && top) pick(top.key);
            }}
            rightSection={<Kbd size="xs">/</Kbd>} />
          <div role="listbox" aria-label="Instruments found">
            {(found.data ?? []).map((i) => (
              <NavLink key={i.key} role="option" aria-selected={false} label={<InstrumentName symbol={i.key} />}
                description={[i.name, i.instrument_type, i.sector].filter(Boolean).join(" · ")}
                onClick={() => pick(i.key)} />
            ))}
          </div>
          {q && found.data?.length === 0 && <Text size="sm" c="dimmed">No instrument matches “{q}”.</Text>}
        </Stack>
      </Modal>
    </>
  );
}
