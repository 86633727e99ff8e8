import { ActionIcon, Indicator, Popover, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { istDateTime } from "@/format";
import { useNotifications } from "./deskApi";
import { markSeen, seenId, unreadCount } from "./unread";
import { BellIcon } from "./icons";

/** The bell: a live unread count (polled) and the newest notifications. */
export function NotificationsBell() {
  const list = useNotifications();
  const [seen, setSeen] = useState(() => seenId());
  const rows = list.data ?? [];
  const unread = unreadCount(rows.map((n) => n.id), seen);
  const opened = (open: boolean) => {
    if (!open || rows.length === 0) return;
    markSeen(rows.map((n) => n.id));
    setSeen(seenId());
  };
  return (
    <Popover position="bottom-end" width={340} withinPortal onChange={opened} shadow="md">
      <Popover.Target>
        <ActionIcon variant="subtle" size="lg" aria-label={`Notifications, ${unread} unread`}>
          <Indicator label={unread > 99 ? "99+" : unread} size={16} disabled={unread === 0} color="red.9" offset={3}>
            <BellIcon />
          </Indicator>
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <div tabIndex={0} role="region" aria-label="Latest notifications" style={{ maxHeight: 380, overflowY: "auto" }}>
          {rows.length === 0 ? (
            <Text size="sm" c="dimmed">No notifications.</Text>
          ) : (
            <Stack gap="xs" role="list" aria-label="Notifications">
              {rows.map((n) => (
                <div key={n.id} role="listitem">
                  <Text size="sm" fw={n.id > seen ? 600 : 400}>{n.text}</Text>
                  <Text size="xs" c="dimmed">{istDateTime(n.created_at)}</Text>
                </div>
              ))}
            </Stack>
          )}
        </div>
      </Popover.Dropdown>
    </Popover>
  );
}
