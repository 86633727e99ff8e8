// The signed-in pages, in the order the navigation shows them. Each `lazy` import is one
// chunk; a page module exports `Component` (and may export `loader`).
import type { RouteObject } from "react-router";

export interface NavEntry {
  path: string;
  label: string;
}

export const nav: NavEntry[] = [
  { path: "/dashboard", label: "Dashboard" },
  { path: "/portfolios", label: "Portfolios" },
  { path: "/strategies", label: "Strategies" },
  { path: "/backtests", label: "Backtests" },
  { path: "/backtests/options", label: "Options backtest" },
  { path: "/market", label: "Market watch" },
  { path: "/orders", label: "Orders" },
  { path: "/positions", label: "Positions" },
  { path: "/holdings", label: "Holdings" },
  { path: "/funds", label: "Funds" },
  { path: "/gtt", label: "GTT" },
  { path: "/alerts", label: "Alerts" },
  { path: "/options", label: "Options" },
  { path: "/options/simulator", label: "Simulator" },
  { path: "/workers", label: "Algo workers" },
  { path: "/risk", label: "Risk" },
  { path: "/wealth", label: "Wealth" },
  { path: "/journal", label: "Journal" },
  { path: "/uploads", label: "Uploads" },
  { path: "/family", label: "Family" },
  { path: "/settings", label: "Settings" },
];

export const appRoutes: RouteObject[] = [
  { path: "dashboard", lazy: () => import("@/dashboard/DashboardPage") },
  { path: "orders", lazy: () => import("@/orders/OrdersPage") },
  { path: "positions", lazy: () => import("@/orders/PositionsPage") },
  { path: "holdings", lazy: () => import("@/orders/HoldingsPage") },
  { path: "funds", lazy: () => import("@/orders/FundsPage") },
  { path: "gtt", lazy: () => import("@/gtt/GttPage") },
  { path: "alerts", lazy: () => import("@/alerts/AlertsPage") },
  { path: "portfolios", lazy: () => import("@/portfolios/PortfoliosPage") },
  { path: "market", lazy: () => import("@/market/MarketWatchPage") },
  { path: "market/chart/:symbol", lazy: () => import("@/market/ChartPage") },
  { path: "chart/:symbol", lazy: () => import("@/market/ChartPage") },
  { path: "risk", lazy: () => import("@/risk/RiskPage") },
  { path: "journal/:tab?", lazy: () => import("@/journal/JournalPage") },
  { path: "uploads", lazy: () => import("@/journal/UploadsPage") },
  { path: "wealth", lazy: () => import("@/wealth/WealthPage") },
  { path: "family", lazy: () => import("@/family/FamilyPage") },
  { path: "strategies", lazy: () => import("@/strategies/StrategiesPage") },
  { path: "strategies/new", lazy: () => import("@/strategies/EditorPage") },
  { path: "strategies/:id/edit", lazy: () => import("@/strategies/EditorPage") },
  { path: "backtests", lazy: () => import("@/backtests/BacktestsPage") },
  { path: "backtests/options", lazy: () => import("@/backtests/options/OptionsBacktestPage") },
  { path: "backtests/runs/:id", lazy: () => import("@/backtests/RunPage") },
  { path: "backtests/compare", lazy: () => import("@/backtests/ComparePage") },
  { path: "workers", lazy: () => import("@/workers/RunsPage") },
  { path: "workers/tokens", lazy: () => import("@/workers/TokensPage") },
  { path: "workers/runs/:id", lazy: () => import("@/workers/RunPage") },
  { path: "workers/replays", lazy: () => import("@/workers/ReplaysPage") },
  { path: "workers/replays/:id", lazy: () => import("@/workers/ReplayPage") },
  { path: "options", lazy: () => import("@/options/ChainPage") },
  { path: "options/simulator", lazy: () => import("@/simulator/SimulatorPage") },
  { path: "backtests/sweeps", lazy: () => import("@/sweeps/SweepsPage") },
  { path: "backtests/sweeps/:id", lazy: () => import("@/sweeps/SweepPage") },
  { path: "backtests/walk-forwards", lazy: () => import("@/walkforward/WalkForwardsPage") },
  { path: "backtests/walk-forwards/:id", lazy: () => import("@/walkforward/WalkForwardPage") },
  { path: "backtests/options/walk-forwards/:id", lazy: () => import("@/walkforward/WalkForwardPage") },
  { path: "settings/*", lazy: () => import("@/settings/SettingsPage") },
];
