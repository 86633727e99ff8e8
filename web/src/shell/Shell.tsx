import { AppShell, Box, Burger, Group, NavLink, ScrollArea, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Suspense } from "react";
import { Link, Outlet, useLocation } from "react-router";
import { nav } from "@/app/routes";
import { useMarksBeat } from "@/api/refresh";
import { PageLoader } from "@/components/PageLoader";
import { FamilySwitcher } from "@/family/FamilySwitcher";
import { AccountMenu } from "./AccountMenu";
import { PracticeBanner } from "./PracticeBanner";
import { ThemeToggle } from "./ThemeToggle";
import { TopBarStatus } from "./TopBarStatus";

/** The frame of every signed-in page: top bar, navigation (a drawer on phones), the page. */
export function Shell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  // the longest entry the path is under is the one lit ("/backtests/options" is not "/backtests")
  const here = nav.filter((e) => location.pathname.startsWith(e.path)).sort((a, b) => b.path.length - a.path.length)[0]?.path;
  useMarksBeat();

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text component={Link} to="/dashboard" fw={700} size="lg" visibleFrom="xs">
              TraderTape
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Box visibleFrom="lg"><FamilySwitcher /></Box>
            <TopBarStatus />
            <ThemeToggle />
            <AccountMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <ScrollArea>
          {nav.map((entry) => (
            <NavLink
              key={entry.path}
              component={Link}
              to={entry.path}
              label={entry.label}
              active={entry.path === here}
              variant="filled"
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <PracticeBanner />
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
