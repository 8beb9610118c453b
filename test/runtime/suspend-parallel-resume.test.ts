/**
 * What the README's "Suspend" section says about resuming a suspended parallel branch: which
 * `start` targets work today (the durable-runs work adds `resume` for the rest).
 */
import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe, Suspend, type Target } from "../../src/index.js";

interface State {
  approved?: boolean;
}

function approvalPipe(log: string[], join: { barrierType?: "all" | "any" } = {}): Pipe<State> {
  const pipe = new Pipe<State>({ name: "approval" });
  pipe.step("plan", () => void log.push("plan"), { to: ["draft", "research"] });
  pipe.step(
    "draft",
    ({ state }) => {
      log.push("draft");
      return state.approved ? undefined : new Suspend({ reason: "approve the draft" });
    },
    { to: "polish" },
  );
  pipe.step("polish", () => void log.push("polish"), { to: "publish" });
  pipe.step("research", () => void log.push("research"), { to: "publish" });
  pipe.step("publish", () => void log.push("publish"), join);
  return pipe;
}

async function resume(start: Target, join?: { barrierType?: "all" | "any" }): Promise<string> {
  const log: string[] = [];
  for await (const event of approvalPipe(log, join).run({ approved: true }, { start })) {
    if (event.type === "finish") return `${event.payload.status}: ${log.join(",")}`;
  }
  return "no finish";
}

describe("resuming a suspended parallel branch with run(state, { start })", () => {
  it("suspends the branch; the other branch still runs; the join does not", async () => {
    const log: string[] = [];
    let status = "";
    for await (const event of approvalPipe(log).run({}))
      if (event.type === "finish") status = event.payload.status;
    expect(status).toBe("suspended");
    expect(log).toEqual(["plan", "draft", "research"]);
  });

  it("behind an 'all' join, only a start upstream of every parent works, and it re-runs the other branch", async () => {
    expect(await resume("plan")).toBe("success: plan,draft,polish,research,publish");
    for (const start of ["draft", "polish", "publish"]) {
      await expect(resume(start)).rejects.toThrow(DefinitionError);
    }
    await expect(resume("draft")).rejects.toThrow(
      "Step 'publish' waits for all of [polish, research], but run({ start: 'draft' }) cannot reach research, so it would never run.",
    );
  });

  it("behind an 'any' join, starting at the suspended step (or after it) runs the rest of its branch and the join", async () => {
    expect(await resume("draft", { barrierType: "any" })).toBe("success: draft,polish,publish");
    expect(await resume("polish", { barrierType: "any" })).toBe("success: polish,publish");
  });

  it("a branch that reaches no join resumes from its suspended step", async () => {
    const log: string[] = [];
    const pipe = new Pipe<State>({ name: "no-join" });
    pipe.step("plan", () => void log.push("plan"), { to: ["draft", "research"] });
    pipe.step("draft", ({ state }) => (state.approved ? void log.push("draft") : new Suspend()), {
      to: "polish",
    });
    pipe.step("polish", () => void log.push("polish"));
    pipe.step("research", () => void log.push("research"));
    let status = "";
    for await (const event of pipe.run({ approved: true }, { start: "draft" })) {
      if (event.type === "finish") status = event.payload.status;
    }
    expect(`${status}: ${log.join(",")}`).toBe("success: draft,polish");
  });
});
