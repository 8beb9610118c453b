/**
 * Parallel DAG with a join: one step fans out to three branches (a `to` array), they run
 * concurrently, and the step they all point to waits at an implicit barrier until every branch
 * has finished. Each branch writes its own field of the state, so no branch overwrites another.
 *
 *   npx tsx examples/02-parallel-dag/index.ts
 */
import { EventType, Pipe } from "justpipe";

interface Trip {
  city: string;
  weather?: string;
  flights?: string[];
  hotels?: string[];
  plan?: string;
}

/** Stands in for an HTTP call: resolves after `ms`, or rejects when the step is aborted. */
const fakeApi = <T>(value: T, ms: number, signal: AbortSignal) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

const pipe = new Pipe<Trip>({ name: "trip-planner" });

// The join: it has three parents, so it runs once, after all three. `barrierTimeout` fails it
// if a branch has not arrived 1 s after the first one did.
const combine = pipe.step(
  "combine",
  ({ state }) => {
    state.plan = `${state.city}: ${state.weather}, fly ${state.flights?.[0]}, stay at ${state.hotels?.[0]}`;
  },
  { barrierTimeout: 1000, to: "present" },
);

// The branches. Each writes a different field: safe without locks.
const fetchWeather = pipe.step(
  "fetchWeather",
  async ({ state, signal }) => {
    state.weather = await fakeApi("sunny, 24°C", 60, signal);
  },
  { to: combine },
);
const fetchFlights = pipe.step(
  "fetchFlights",
  async ({ state, signal }) => {
    state.flights = await fakeApi(["LH 1234 at 09:10", "AF 987 at 13:45"], 30, signal);
  },
  { to: combine },
);
const fetchHotels = pipe.step(
  "fetchHotels",
  async ({ state, signal }) => {
    state.hotels = await fakeApi(["Hotel Arts", "Casa Camper"], 5, signal);
  },
  { to: combine },
);

// The fan-out: a `to` array starts every target at once.
pipe.step(
  "start",
  ({ state }) => {
    state.city = state.city.trim();
  },
  { to: [fetchWeather, fetchFlights, fetchHotels] },
);

pipe.step("present", async function* ({ state }) {
  yield `Plan for ${state.plan}`;
});

const starts: number[] = [];
const ends: number[] = [];
for await (const event of pipe.run({ city: " Barcelona " })) {
  switch (event.type) {
    case EventType.STEP_START:
      console.log(`▶ ${event.stage}`);
      if (event.stage.startsWith("fetch")) starts.push(event.timestamp);
      break;
    case EventType.STEP_END:
      console.log(`✓ ${event.stage}`);
      if (event.stage.startsWith("fetch")) ends.push(event.timestamp);
      break;
    case EventType.BARRIER_WAIT:
      console.log(`… ${event.stage} waits for ${event.payload.waitingFor.join(", ")}`);
      break;
    case EventType.BARRIER_RELEASE:
      console.log(`⇥ ${event.stage} released: every branch arrived`);
      break;
    case EventType.TOKEN:
      console.log(`  ${event.payload}`);
      break;
    case EventType.FINISH:
      console.log(`■ ${event.payload.status}`);
      break;
  }
}
// Every branch started before the first one ended: they overlapped.
console.log(`branches ran concurrently: ${Math.max(...starts) <= Math.min(...ends)}`);
