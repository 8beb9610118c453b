import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { EventLogger, levelOf } from "../../src/observers/index.js";
import { MemorySink, runOn, SimulatedClock, sleeper } from "./support.js";

interface State {
  apiKey: string;
  answer?: string;
}

function buildPipe(logger: EventLogger, clock: SimulatedClock) {
  const sleep = sleeper(clock);
  const pipe = new Pipe<State>({ name: "log" });
  let attempts = 0;
  pipe.step(
    "fetch",
    async () => {
      await sleep(10);
      if (++attempts === 1) throw new Error("flaky");
    },
    { retries: 1, to: "answer" },
  );
  pipe.step("answer", async function* ({ state, meta }) {
    meta.step.set("credentials", { apiKey: state.apiKey });
    yield "hi";
    state.answer = "hi";
  });
  pipe.addObserver(logger);
  return pipe;
}

describe("EventLogger", () => {
  it("writes human lines at info and above by default, without colour off a terminal", async () => {
    const sink = new MemorySink();
    const clock = new SimulatedClock(0);
    await runOn(
      buildPipe(new EventLogger({ stream: sink, format: "pretty" }), clock),
      { apiKey: "sk-1" },
      clock,
    );
    expect(sink.lines).toEqual([
      "00:00:00.000 [log] INFO  start           system",
      "00:00:00.010 [log] WARN  step_error      fetch  flaky (retrying)",
      "00:00:00.020 [log] INFO  step_end        fetch (attempt 2)  10ms",
      "00:00:00.020 [log] INFO  step_end        answer  0ms",
      "00:00:00.020 [log] INFO  finish          system  success in 20ms",
    ]);
  });

  it("writes JSON lines to any stream, filtered by type and step, with secrets redacted", async () => {
    const sink = new MemorySink();
    const clock = new SimulatedClock(0);
    const logger = new EventLogger({
      stream: sink,
      level: "debug",
      types: ["token", "step_end"],
      steps: ["answer"],
      redact: ["apiKey"],
    });
    await runOn(buildPipe(logger, clock), { apiKey: "sk-secret" }, clock);
    expect(sink.text).not.toContain("sk-secret");
    const records = sink.lines.map((line) => JSON.parse(line));
    expect(records.map((r) => [r.level, r.type, r.stage, r.pipe])).toEqual([
      ["debug", "token", "answer", "log"],
      ["info", "step_end", "answer", "log"],
    ]);
    expect(records[0].payload).toBe("hi");
    expect(records[1].meta.data.credentials).toEqual({ apiKey: "[REDACTED]" });
    expect(typeof records[1].runId).toBe("string");
  });

  it("picks pretty and colour on a TTY, JSON elsewhere", async () => {
    const tty = new MemorySink(true);
    const file = new MemorySink(false);
    const clock = new SimulatedClock(0);
    const pipe = new Pipe({ name: "auto" });
    pipe.step("only", () => {});
    pipe.addObserver(new EventLogger({ stream: tty }));
    pipe.addObserver(new EventLogger({ stream: file }));
    await runOn(pipe, {}, clock);
    expect(tty.lines[0]).toContain("\x1b[");
    expect(() => JSON.parse(file.lines[0]!)).not.toThrow();
  });

  it("ranks events by level: final failures are errors, retried ones warnings, steps starts debug", () => {
    const base = {
      stage: "s",
      timestamp: 0,
      runId: "r",
      originRunId: "r",
      parentRunId: null,
      seq: 1,
    } as const;
    const event = (type: string, payload: unknown) => ({ ...base, type, payload }) as never;
    expect(levelOf(event("step_error", { retrying: false }))).toBe("error");
    expect(levelOf(event("step_error", { retrying: true }))).toBe("warn");
    expect(levelOf(event("finish", { status: "timeout" }))).toBe("warn");
    expect(levelOf(event("finish", { status: "failed" }))).toBe("error");
    expect(levelOf(event("step_start", undefined))).toBe("debug");
  });

  it("rejects an unknown level or format with a message that says what is allowed", () => {
    expect(() => new EventLogger({ level: "verbose" as never })).toThrow(
      "Expected `level` to be one of debug, info, warn, error, got `verbose` (string).",
    );
    expect(() => new EventLogger({ format: "xml" as never })).toThrow(
      'Expected `format` to be "pretty" or "json"',
    );
  });
});
