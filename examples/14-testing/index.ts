/**
 * Testing with TestPipe and vitest: `pipeline.ts` is an ordinary pipeline, `pipeline.test.ts`
 * tests it (mocked steps, fake services, simulated time), and this file runs it for real with
 * in-memory services.
 *
 *   npx tsx examples/14-testing/index.ts
 *   npx vitest run examples/14-testing
 */
import { EventType } from "justpipe";
import { newReport, pipe, type Services } from "./pipeline.js";

const outbox: string[] = [];
const services: Services = {
  fetchSales: async () => [120, 95, 130, 80, 150],
  async *streamSummary(prompt) {
    for (const word of `${prompt} Best day: Friday.`.split(" ")) yield `${word} `;
  },
  sendMail: async (to, body) => void outbox.push(`to ${to}: ${body.trim()}`),
  recipients: ["sales@example.com", "ceo@example.com"],
};

const report = newReport("2025-W14");
for await (const event of pipe.run(report, { context: services })) {
  if (event.type === EventType.TOKEN) process.stdout.write(String(event.payload));
  if (event.type === EventType.STEP_END && event.stage === "summarize") process.stdout.write("\n");
  if (event.type === EventType.FINISH) console.log(`status: ${event.payload.status}`);
}
console.log(`outbox:\n  ${outbox.join("\n  ")}`);
