/**
 * Barrier types: a step with several parents is a join. With `barrierType: "all"` (the default)
 * it waits until every parent has finished; with `"any"` it starts as soon as the first parent
 * finishes (once per wave); `barrierTimeout` fails the join when the other parents are late.
 *
 *   npx tsx examples/13-barrier-types/index.ts
 */
import { BarrierTimeoutError, EventType, Pipe } from "justpipe";

interface Race {
  arrived: string[];
  joinSaw?: string[];
}

/** Resolves after `ms`, rejects when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** start -> [fast, slow] -> join, where `slow` takes `slowMs`. */
function build(name: string, join: { barrierType?: "all" | "any"; barrierTimeout?: number }, slowMs: number) {
  const pipe = new Pipe<Race>({ name });
  pipe.step(
    "join",
    ({ state }) => {
      state.joinSaw = [...state.arrived];
    },
    join,
  );
  pipe.step(
    "fast",
    async ({ state, signal }) => {
      await sleep(5, signal);
      state.arrived.push("fast");
    },
    { to: "join" },
  );
  pipe.step(
    "slow",
    async ({ state, signal }) => {
      await sleep(slowMs, signal);
      state.arrived.push("slow");
    },
    { to: "join" },
  );
  pipe.step("start", () => {}, { to: ["fast", "slow"] });
  return pipe;
}

async function show(pipe: Pipe<Race>): Promise<void> {
  const state: Race = { arrived: [] };
  for await (const event of pipe.run(state)) {
    switch (event.type) {
      case EventType.BARRIER_WAIT:
        console.log(`  barrier_wait     ${event.stage} waits for ${event.payload.waitingFor.join(", ")}`);
        break;
      case EventType.BARRIER_RELEASE:
        console.log(`  barrier_release  ${event.stage}`);
        break;
      case EventType.STEP_START:
        if (event.stage === "join") console.log("  step_start       join");
        break;
      case EventType.STEP_ERROR:
        console.log(`  step_error       ${event.stage}: ${event.payload.message}`);
        console.log(
          `                   (a BarrierTimeoutError: ${event.payload.error instanceof BarrierTimeoutError})`,
        );
        break;
      case EventType.CANCELLED:
        console.log(`  cancelled        ${event.stage}`);
        break;
      case EventType.FINISH:
        console.log(
          `  finish           ${event.payload.status}${event.payload.failedStep ? ` (failed step: ${event.payload.failedStep})` : ""}`,
        );
        break;
    }
  }
  console.log(
    `  the join saw: ${state.joinSaw?.join(", ") ?? "(it never ran)"}; arrived in the end: ${state.arrived.join(", ")}`,
  );
}

console.log('barrierType "all" (default): the join waits for both branches');
await show(build("all", {}, 40));

console.log('\nbarrierType "any": the join runs once, on the first branch to arrive');
await show(build("any", { barrierType: "any" }, 40));

console.log("\nbarrierTimeout: 40 ms, and the slow branch needs 5 s");
await show(build("timeout", { barrierTimeout: 40 }, 5_000));
