import { Avatar, Menu, UnstyledButton } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { api } from "@/api/client";
import { useMe } from "@/auth/useMe";

/** The account: who is signed in, settings, sign out. */
export function AccountMenu() {
  const me = useMe();
  const client = useQueryClient();
  const navigate = useNavigate();
  const email = me.data?.email ?? "";

  const signOut = async () => {
    await api.POST("/api/auth/logout");
    client.clear();
    await navigate("/signin", { replace: true });
  };

  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`Account ${email}`}>
          <Avatar size="sm" radius="xl" color="blue">{email.slice(0, 1).toUpperCase()}</Avatar>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{email}</Menu.Label>
        <Menu.Item component={Link} to="/settings">Settings</Menu.Item>
        <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
