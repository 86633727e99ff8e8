import { Loader, MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, expect, it } from "vitest";
import { theme } from "./theme";

afterEach(cleanup);

it("names a spinner as a progress bar, which may carry a name (a bare span may not)", () => {
  render(<MantineProvider theme={theme}><Loader aria-label="Loading the chain" /></MantineProvider>);
  expect(screen.getByRole("progressbar", { name: "Loading the chain" })).toBeTruthy();
});
