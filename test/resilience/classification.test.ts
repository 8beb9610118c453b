import { describe, expect, it } from "vitest";
import {
  DEFAULT_EXTERNAL_PREFIXES,
  type FailureClassificationConfig,
  type FailureClassificationContext,
  Pipe,
  type PipelineEndData,
  SimulatedClock,
} from "../../src/index.js";
import { drive, never, runAll, withUnhandledRejections } from "./support.js";

/** An error whose first stack frame is `frame` (as if thrown from that file). */
function thrownFrom(frame: string, message = "upstream failed"): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}\n    at ${frame}\n    at userStep (/app/src/steps.ts:10:5)`;
  return error;
}

async function failWith(
  error: unknown,
  failureClassification?: FailureClassificationConfig,
): Promise<PipelineEndData> {
  const pipe = new Pipe({
    name: "classify",
    ...(failureClassification === undefined ? {} : { failureClassification }),
  });
  pipe.step("call", () => {
    throw error;
  });
  const { finish } = await runAll(pipe.run({}));
  expect(finish.status).toBe("failed");
  return finish;
}

describe("default failure source", () => {
  it("is user_code for a step error thrown from the project's own code", async () => {
    const finish = await failWith(new Error("my bug"));
    expect(finish.failureSource).toBe("user_code");
    expect(finish.errors[0]?.source).toBe("user_code");
  });

  it("is user_code for startup and shutdown hook errors", async () => {
    const startup = new Pipe({ name: "startup-source" });
    startup.onStartup(() => {
      throw new Error("no config");
    });
    startup.step("work", () => {});
    expect((await runAll(startup.run({}))).finish.failureSource).toBe("user_code");

    const shutdown = new Pipe({ name: "shutdown-source" });
    shutdown.onShutdown(() => {
      throw new Error("close failed");
    });
    shutdown.step("work", () => {});
    expect((await runAll(shutdown.run({}))).finish.failureSource).toBe("user_code");
  });

  it("is framework for internal failures (no steps, a failing event hook)", async () => {
    const empty = new Pipe({ name: "empty" });
    expect((await runAll(empty.run({}))).finish.failureSource).toBe("framework");
    const hooked = new Pipe({ name: "hooked" });
    hooked.addEventHook(() => {
      throw new Error("hook");
    });
    hooked.step("work", () => {});
    expect((await runAll(hooked.run({}))).finish.failureSource).toBe("framework");
  });

  it.each([
    ["openai", "x (/app/node_modules/openai/core.js:1:1)"],
    ["@aws-sdk/client-s3", "send (/app/node_modules/@aws-sdk/client-s3/dist-cjs/index.js:10:3)"],
    ["@anthropic-ai/sdk", "post (/app/node_modules/@anthropic-ai/sdk/core.mjs:7:9)"],
    ["@google/genai", "generate (/srv/node_modules/@google/genai/dist/index.js:3:3)"],
    ["undici", "fetch (/app/node_modules/undici/lib/fetch.js:2:2)"],
    ["axios", "settle (/app/node_modules/axios/lib/core/settle.js:19:12)"],
    ["pg", "Client.query (/app/node_modules/pg/lib/client.js:1:1)"],
    ["pg-pool", "Pool.connect (/app/node_modules/pg-pool/index.js:1:1)"],
    ["mysql2", "Query (/app/node_modules/mysql2/lib/commands/query.js:1:1)"],
    ["mongodb", "run (/app/node_modules/mongodb/lib/operations/execute.js:1:1)"],
    ["ioredis", "send (/app/node_modules/ioredis/built/Redis.js:1:1)"],
    ["redis", "send (/app/node_modules/redis/dist/index.js:1:1)"],
    ["an ESM file URL", "x (file:///app/node_modules/openai/core.mjs:1:1)"],
    ["a frame without a function name", "/app/node_modules/openai/core.js:1:1"],
    ["a pnpm layout", "x (/app/node_modules/.pnpm/openai@4.0.0/node_modules/openai/core.js:1:1)"],
  ])("is external_dep for an error thrown from %s", async (_label, frame) => {
    const finish = await failWith(thrownFrom(frame));
    expect(finish.failureSource).toBe("external_dep");
  });

  it("is external_dep for an error thrown from a package on a Windows path", async () => {
    const finish = await failWith(thrownFrom("x (C:\\app\\node_modules\\openai\\core.js:1:1)"));
    expect(finish.failureSource).toBe("external_dep");
  });

  it("skips Node's internal frames to find the first real frame", async () => {
    const error = new Error("upstream failed");
    error.stack = [
      "Error: upstream failed",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "    at request (/app/node_modules/openai/core.js:1:1)",
    ].join("\n");
    expect((await failWith(error)).failureSource).toBe("external_dep");
  });

  it("is user_code when the first frame is the user's even if a package appears deeper", async () => {
    const error = new Error("my bug");
    error.stack = [
      "Error: my bug",
      "    at userStep (/app/src/steps.ts:10:5)",
      "    at request (/app/node_modules/openai/core.js:1:1)",
    ].join("\n");
    expect((await failWith(error)).failureSource).toBe("user_code");
  });

  it("is user_code for a package that only looks like a default prefix", async () => {
    for (const frame of [
      "x (/app/node_modules/openaix/index.js:1:1)",
      "x (/app/node_modules/pgx/index.js:1:1)",
      "x (/app/node_modules/left-pad/index.js:1:1)",
    ]) {
      expect((await failWith(thrownFrom(frame))).failureSource).toBe("user_code");
    }
  });

  it.each([
    ["code ECONNRESET", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
    ["code ETIMEDOUT", Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" })],
    ["message 'fetch failed'", new TypeError("fetch failed")],
    [
      "a cause chain holding ECONNRESET",
      new Error("request failed", {
        cause: new TypeError("fetch failed", {
          cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
        }),
      }),
    ],
    [
      "a cause holding ETIMEDOUT",
      new Error("wrapped", { cause: Object.assign(new Error("t/o"), { code: "ETIMEDOUT" }) }),
    ],
  ])("is external_dep for a network error: %s", async (_label, error) => {
    expect((await failWith(error)).failureSource).toBe("external_dep");
  });

  it("has sensible default prefixes", () => {
    for (const prefix of [
      "openai",
      "@anthropic-ai/",
      "@google/",
      "@aws-sdk/",
      "undici",
      "axios",
      "pg",
      "mysql2",
    ])
      expect(DEFAULT_EXTERNAL_PREFIXES).toContain(prefix);
    for (const prefix of ["mongodb", "ioredis", "redis"]) expect(DEFAULT_EXTERNAL_PREFIXES).toContain(prefix);
  });
});

describe("failureClassification options", () => {
  it("adds externalDependencyPrefixes to the defaults", async () => {
    const config = { externalDependencyPrefixes: ["acme-sdk", "@internal/"] };
    expect(
      (await failWith(thrownFrom("x (/app/node_modules/acme-sdk/index.js:1:1)"), config)).failureSource,
    ).toBe("external_dep");
    expect(
      (await failWith(thrownFrom("x (/app/node_modules/@internal/billing/index.js:1:1)"), config))
        .failureSource,
    ).toBe("external_dep");
    // The defaults still apply.
    expect(
      (await failWith(thrownFrom("x (/app/node_modules/openai/core.js:1:1)"), config)).failureSource,
    ).toBe("external_dep");
    // And a package nobody listed is still user code.
    expect(
      (await failWith(thrownFrom("x (/app/node_modules/other/index.js:1:1)"), config)).failureSource,
    ).toBe("user_code");
  });

  it("lets sourceClassifier override the source, with the failure's context", async () => {
    const seen: FailureClassificationContext[] = [];
    const error = thrownFrom("x (/app/node_modules/openai/core.js:1:1)");
    const finish = await failWith(error, {
      sourceClassifier: (ctx) => {
        seen.push(ctx);
        return "framework";
      },
    });
    expect(finish.failureSource).toBe("framework");
    expect(finish.errors).toHaveLength(1);
    expect(seen).toEqual([
      { error, kind: "step", reason: "step_error", step: "call", defaultSource: "external_dep" },
    ]);
  });

  it("keeps the default when sourceClassifier returns undefined", async () => {
    const finish = await failWith(thrownFrom("x (/app/node_modules/openai/core.js:1:1)"), {
      sourceClassifier: () => undefined,
    });
    expect(finish.failureSource).toBe("external_dep");
    expect(finish.errors).toHaveLength(1);
  });

  it("falls back and records an infra classifier_error when sourceClassifier throws", async () => {
    const finish = await failWith(new Error("step broke"), {
      sourceClassifier: () => {
        throw new Error("classifier bug");
      },
    });
    // The run's outcome is still decided by the step failure.
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("step");
    expect(finish.failureSource).toBe("user_code");
    expect(finish.error).toBe("step broke");
    expect(finish.errors).toHaveLength(2);
    expect(finish.errors[0]).toMatchObject({ kind: "step", source: "user_code", step: "call" });
    expect(finish.errors[1]).toMatchObject({
      kind: "infra",
      source: "framework",
      reason: "classifier_error",
      step: "call",
    });
    expect(finish.errors[1]?.error).toContain("classifier bug");
  });

  it("falls back and records an infra classifier_error when sourceClassifier returns nonsense", async () => {
    const finish = await failWith(thrownFrom("x (/app/node_modules/openai/core.js:1:1)"), {
      sourceClassifier: () => "the network" as never,
    });
    expect(finish.failureSource).toBe("external_dep");
    expect(finish.errors.map((e) => [e.kind, e.reason])).toEqual([
      ["step", "step_error"],
      ["infra", "classifier_error"],
    ]);
    expect(finish.errors[1]?.error).toContain("the network");
  });

  it("falls back for an async classifier, and its rejection is not left unhandled", async () => {
    let finish: PipelineEndData | undefined;
    const rejections = await withUnhandledRejections(async () => {
      finish = await failWith(new Error("step broke"), {
        sourceClassifier: (async () => {
          throw new Error("async classifier bug");
        }) as never,
      });
    });
    expect(rejections).toEqual([]);
    expect(finish?.failureSource).toBe("user_code");
    expect(finish?.errors.map((e) => e.reason)).toEqual(["step_error", "classifier_error"]);
  });

  it("lists classifier diagnostics after every failure record", async () => {
    const pipe = new Pipe({
      name: "diagnostics-last",
      failureClassification: {
        sourceClassifier: () => {
          throw new Error("classifier bug");
        },
      },
    });
    pipe.step("call", () => {
      throw new Error("step broke");
    });
    pipe.onShutdown(() => {
      throw new Error("shutdown broke");
    });
    const { finish } = await runAll(pipe.run({}));
    expect(finish.errors.map((e) => [e.kind, e.reason])).toEqual([
      ["step", "step_error"],
      ["shutdown", "shutdown_hook_error"],
      ["infra", "classifier_error"],
      ["infra", "classifier_error"],
    ]);
    expect(finish.failureKind).toBe("step");
  });

  it("never calls the classifier for a run without failures (handled errors are not failures)", async () => {
    let calls = 0;
    const pipe = new Pipe({
      name: "classifier-success",
      failureClassification: {
        sourceClassifier: () => {
          calls++;
          throw new Error("classifier bug");
        },
      },
    });
    pipe.step(
      "call",
      () => {
        throw new Error("handled");
      },
      { onError: () => undefined },
    );
    const { finish } = await runAll(pipe.run({}));
    expect(calls).toBe(0);
    expect(finish.status).toBe("success");
    expect(finish.errors).toEqual([]);
  });
});

describe("sources of wrapped failures", () => {
  it("attributes a step timeout to user code", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "timeout-source", clock });
    pipe.step("slow", () => never(), { timeout: 10 });
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.failureSource).toBe("user_code");
  });

  it("keeps external_dep when a sub-pipeline fails because its child hit a third-party package", async () => {
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.step("call", () => {
      throw thrownFrom("x (/app/node_modules/openai/core.js:1:1)");
    });
    const pipe = new Pipe({ name: "parent" });
    pipe.sub("nested", () => ({ n: 1 }), { pipeline: child });
    const { events, finish } = await runAll(pipe.run({}));
    const childFinish = events.find((e) => e.type === "finish" && e.parentRunId !== null);
    expect((childFinish?.payload as PipelineEndData | undefined)?.failureSource).toBe("external_dep");
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("nested:call");
    expect(finish.failureSource).toBe("external_dep");
  });
});
