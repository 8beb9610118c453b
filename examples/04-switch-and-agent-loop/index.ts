/**
 * Switch routing and an agent loop.
 *
 * 1. Routing: a switch step returns a value; its `to` table maps values to steps, `default`
 *    catches the rest.
 * 2. An agent loop: think -> decide -> act -> think ... until the model answers or a turn budget
 *    runs out. Loops through switch routes and returned jumps are legal; a loop of static `to`
 *    edges alone is a DefinitionError.
 *
 *   npx tsx examples/04-switch-and-agent-loop/index.ts
 */
import { EventType, Pipe, Stop } from "justpipe";

// ── 1. Routing support tickets ─────────────────────────────────────────────────────────────

interface Ticket {
  text: string;
  handledBy?: string;
}

const triage = new Pipe<Ticket>({ name: "triage" });

triage.switch(
  "classify",
  ({ state }) => {
    if (/invoice|refund|charge/i.test(state.text)) return "billing";
    if (/error|crash|bug/i.test(state.text)) return "bug";
    return "other";
  },
  { to: { billing: "billingTeam", bug: "engineering" }, default: "humanAgent" },
);
triage.step("billingTeam", ({ state }) => {
  state.handledBy = "billing team";
});
triage.step("engineering", ({ state }) => {
  state.handledBy = "engineering";
});
triage.step("humanAgent", ({ state }) => {
  state.handledBy = "a human agent";
});

console.log("── routing ──");
for (const text of ["I was charged twice", "The app crashes on login", "Do you ship to Norway?"]) {
  const ticket: Ticket = { text };
  for await (const _event of triage.run(ticket)) {
    // we only need the final state here
  }
  console.log(`${JSON.stringify(text)} -> ${ticket.handledBy}`);
}

// ── 2. An agent loop with tools ────────────────────────────────────────────────────────────

type Action = { tool: "search" | "calculator"; input: string } | { answer: string };

interface Agent {
  question: string;
  transcript: string[];
  next?: Action;
  turns: number;
  answer?: string;
}

/** A scripted stand-in for a model: it decides the next action from what it has seen so far. */
function fakeModel(agent: Agent): Action {
  const observations = agent.transcript.filter((line) => line.startsWith("observation"));
  if (observations.length === 0) return { tool: "search", input: "population of Lyon" };
  if (observations.length === 1) return { tool: "calculator", input: "522250 / 1000" };
  return { answer: "Lyon has about 522 thousand inhabitants." };
}

const tools: Record<string, (input: string) => string> = {
  search: () => "Lyon: 522,250 inhabitants (2021)",
  calculator: (input) => {
    const [a, b] = input.split("/").map(Number);
    return String(Math.round(a! / b!));
  },
};

const agent = new Pipe<Agent>({ name: "agent" });

// The entry: nothing points to it, so every run starts here.
agent.step(
  "receive",
  ({ state }) => {
    state.transcript.push(`question: ${state.question}`);
  },
  { to: "think" },
);

agent.step(
  "think",
  ({ state }) => {
    state.turns++;
    state.next = fakeModel(state);
  },
  { to: "decide" },
);

// The switch picks the next step from the model's decision, or ends the run when out of budget.
agent.switch(
  "decide",
  ({ state }) => {
    if (state.turns > 5) return "outOfBudget";
    return state.next && "answer" in state.next ? "answer" : "useTool";
  },
  { to: { useTool: "act", answer: "respond", outOfBudget: Stop } },
);

// Back to think by returning its name: a jump. (A static `to: "think"` would make think a join
// of receive and act, waiting for both, and act never runs before think.)
agent.step(
  "act",
  ({ state }) => {
    const action = state.next as Extract<Action, { tool: string }>;
    state.transcript.push(`action: ${action.tool}(${action.input})`);
    state.transcript.push(`observation: ${tools[action.tool]!(action.input)}`);
    return "think";
  },
  { routes: ["think"] },
);

agent.step("respond", async function* ({ state }) {
  state.answer = (state.next as { answer: string }).answer;
  yield state.answer;
});

console.log("\n── agent loop ──");
const run: Agent = { question: "How many thousand people live in Lyon?", transcript: [], turns: 0 };
const visited: string[] = [];
for await (const event of agent.run(run)) {
  if (event.type === EventType.STEP_START) visited.push(event.stage);
  if (event.type === EventType.TOKEN) console.log(`answer: ${event.payload}`);
  if (event.type === EventType.FINISH)
    console.log(`status: ${event.payload.status} after ${run.turns} turns`);
}
console.log(`steps: ${visited.join(" → ")}`);
for (const line of run.transcript) console.log(`  ${line}`);
