/**
 * `justpipe/dashboard`: a web UI and a read-only JSON API over a store's runs.
 *
 * @packageDocumentation
 */
export { DashboardError } from "./errors.js";
export { type DashboardOptions, type RunningDashboard, startDashboard } from "./start.js";
