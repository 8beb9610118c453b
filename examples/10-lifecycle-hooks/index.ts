/**
 * Lifecycle hooks with a real resource: a startup hook starts a local HTTP service (node:http on
 * 127.0.0.1, a free port) and puts its URL in the run's context; steps call it with `fetch`,
 * passing their `signal`; a shutdown hook closes it. Shutdown hooks always run before FINISH,
 * whether the run succeeded or failed.
 *
 *   npx tsx examples/10-lifecycle-hooks/index.ts
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventType, Pipe } from "justpipe";

interface Order {
  sku: string;
  quantity: number;
  inStock?: number;
  reserved?: boolean;
}

/** The run's context: resources the hooks manage, and a log. */
interface Services {
  server?: Server;
  inventoryUrl?: string;
  log: string[];
}

const STOCK: Record<string, number> = { "BOOK-42": 7, "MUG-1": 0 };

const pipe = new Pipe<Order, Services>({ name: "checkout" });

pipe.onStartup(async ({ ctx }) => {
  const server = createServer((request, response) => {
    const sku = decodeURIComponent(request.url?.split("/").at(-1) ?? "");
    const stock = STOCK[sku];
    response.writeHead(stock === undefined ? 404 : 200, { "content-type": "application/json" });
    response.end(JSON.stringify(stock === undefined ? { error: `unknown sku ${sku}` } : { sku, stock }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  ctx.server = server;
  ctx.inventoryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx.log.push("startup: inventory service listening");
});

pipe.onShutdown(async ({ ctx }) => {
  if (ctx.server === undefined) return;
  ctx.server.closeAllConnections(); // keep-alive sockets would hold close() open
  await new Promise<void>((resolve, reject) =>
    ctx.server!.close((error) => (error ? reject(error) : resolve())),
  );
  ctx.log.push(`shutdown: inventory service closed (listening: ${ctx.server.listening})`);
});

pipe.step(
  "checkStock",
  async ({ state, ctx, signal }) => {
    const response = await fetch(`${ctx.inventoryUrl}/stock/${state.sku}`, { signal });
    if (!response.ok) throw new Error(`inventory answered ${response.status}`);
    state.inStock = ((await response.json()) as { stock: number }).stock;
  },
  { to: "reserve", timeout: 2_000 },
);

pipe.step("reserve", ({ state }) => {
  state.reserved = state.inStock! >= state.quantity;
});

for (const order of [
  { sku: "BOOK-42", quantity: 2 },
  { sku: "NOPE-0", quantity: 1 },
]) {
  const services: Services = { log: [] };
  console.log(`── order ${order.sku} ──`);
  for await (const event of pipe.run(order, { context: services })) {
    if (event.type === EventType.START) services.log.push("event: start");
    if (event.type === EventType.STEP_ERROR) services.log.push(`event: step_error ${event.payload.message}`);
    if (event.type === EventType.FINISH) services.log.push(`event: finish ${event.payload.status}`);
  }
  for (const line of services.log) console.log(`  ${line}`);
  console.log(`  order: ${JSON.stringify(order)}`);
  // The service is gone once the run is over.
  const after = await fetch(`${services.inventoryUrl}/stock/BOOK-42`).then(
    () => "still answering",
    (error: Error) => `refused (${(error.cause as { code?: string }).code})`,
  );
  console.log(`  after the run the service is ${after}`);
}
