/**
 * The pipeline under test: a weekly sales report. External services (the sales API, the model,
 * the mailer) come in through the run's context, so the real program passes real clients and a
 * test can pass fakes, or mock whole steps with TestPipe.
 */
import { Pipe } from "justpipe";

export interface Report {
  week: string;
  sales: number[];
  summary: string;
  sentTo: string[];
}

/** What the steps need from the outside world. */
export interface Services {
  fetchSales(week: string, signal: AbortSignal): Promise<number[]>;
  streamSummary(prompt: string, signal: AbortSignal): AsyncIterable<string>;
  sendMail(to: string, body: string): Promise<void>;
  recipients: string[];
}

export const pipe = new Pipe<Report, Services>({ name: "weekly-report" });

/** Sends the summary to every recipient. */
export const notify = pipe.step("notify", async ({ state, ctx }) => {
  for (const to of ctx.recipients) {
    await ctx.sendMail(to, state.summary);
    state.sentTo.push(to);
  }
});

/** Streams the model's summary (each chunk is a TOKEN) and keeps the full text. */
export const summarize = pipe.step(
  "summarize",
  async function* ({ state, ctx, signal }) {
    const total = state.sales.reduce((sum, n) => sum + n, 0);
    const prompt = `Summarize week ${state.week}: ${state.sales.length} days, total ${total}.`;
    for await (const chunk of ctx.streamSummary(prompt, signal)) {
      state.summary += chunk;
      yield chunk;
    }
  },
  { to: notify, timeout: 30_000 },
);

/** Fetches the week's sales; a flaky API gets two more tries, 1 s then 2 s later. */
export const download = pipe.step(
  "download",
  async ({ state, ctx, signal }) => {
    state.sales = await ctx.fetchSales(state.week, signal);
  },
  { to: summarize, retries: { attempts: 2, minDelay: 1_000, factor: 2, jitter: false } },
);

/** A fresh state for a run. */
export const newReport = (week: string): Report => ({ week, sales: [], summary: "", sentTo: [] });
