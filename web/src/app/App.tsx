import { MantineProvider, localStorageColorSchemeManager } from "@mantine/core";
import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "react-router";
import { OrderTicketProvider } from "@/orders/ticket/OrderTicketContext";
import { queryClient } from "./queryClient";
import { router } from "./router";
import { theme } from "./theme";

const colorSchemeManager = localStorageColorSchemeManager({ key: "tradertape-color-scheme" });

/** Providers around the router: theme (light/dark), the query cache, the routes. */
export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      <QueryClientProvider client={queryClient}>
        <OrderTicketProvider>
          <RouterProvider router={router} />
        </OrderTicketProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
