import { ActionIcon, Button, Indicator, Popover, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { istDateTime } from "@/format";
import { notificationsKey, unreadKey, useNotifications, useUnread } from "./deskApi";
import { BellIcon } from "@/components/icons";

const BADGE = { indicator: { fontSize: 10, paddingInline: 3 } };

/** The bell: the unread count the server keeps (polled) and the notifications, a page at a
 * time (older ones on request); opening it marks read what it shows, on every device. */
export function NotificationsBell() {
  const client = useQueryClient();
  const list = useNotifications();
  const count = useUnread();
  const rows = list.data?.pages.flat() ?? [];
  const unread = count.data?.unread ?? 0;
  // "9+" past nine, in a smaller type than Mantine's label and set in from the corner: at
  // its default size "9+" ran 2px out of the button's box on a phone; the button's name says
  // what the badge shows (a name that differs from its text fails axe)
  const badge = unread > 9 ? "9+" : String(unread);
  const opened = async (open: boolean) => {
    const newest = rows[0]?.id;
    if (!open || newest === undefined || unread === 0) return;
    await api.POST("/api/notifications/read", { body: { up_to_id: newest } });
    await client.invalidateQueries({ queryKey: unreadKey });
    await client.invalidateQueries({ queryKey: notificationsKey });
  };
  return (
    <Popover position="bottom-end" width={340} withinPortal onChange={(o) => void opened(o)} shadow="md">
      <Popover.Target>
        <ActionIcon variant="subtle" size="lg" aria-label={`Notifications, ${badge} unread`}>
          <Indicator label={badge} size={15} disabled={unread === 0} color="red.9" offset={6} styles={BADGE}>
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
                  <Text size="sm" fw={n.read_at ? 400 : 600}>{n.text}</Text>
                  <Text size="xs" c="dimmed">{istDateTime(n.created_at)}</Text>
                </div>
              ))}
            </Stack>
          )}
          {list.hasNextPage && (
            <Button variant="subtle" size="xs" mt="xs" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              Older notifications
            </Button>
          )}
        </div>
      </Popover.Dropdown>
    </Popover>
  );
}
