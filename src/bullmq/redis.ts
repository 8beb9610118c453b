import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";

/**
 * Where Redis is: ioredis options (`{ host, port, password, db, tls... }`), a `redis://` URL, or an
 * ioredis client (duplicated for the connections this library needs; never closed by it).
 */
export type RedisConnection = RedisOptions | Redis | string;

/** The options to give BullMQ for a connection. */
export function bullmqConnection(connection: RedisConnection): ConnectionOptions {
  if (typeof connection === "string") return optionsFromUrl(connection) as ConnectionOptions;
  if (connection instanceof Redis) return connection as unknown as ConnectionOptions;
  return { ...connection, maxRetriesPerRequest: null } as ConnectionOptions;
}

/** A new client of its own (blocking reads and subscriptions need one each). */
export function newClient(connection: RedisConnection, name: string): Redis {
  if (connection instanceof Redis) return connection.duplicate({ connectionName: name });
  const options = typeof connection === "string" ? optionsFromUrl(connection) : connection;
  return new Redis({ ...options, maxRetriesPerRequest: null, connectionName: name });
}

function optionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Expected \`connection\` to be a redis:// URL, ioredis options or a client, got \`${url}\` (string).`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(`Expected \`connection\` to be a redis:// or rediss:// URL, got \`${url}\`.`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname || "127.0.0.1",
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db,
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
