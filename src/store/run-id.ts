// Crockford's base32 alphabet in lower case: no i, l, o, u, so ids read back unambiguously.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Length of a generated run id: 20 characters of base32, 100 random bits. */
export const RUN_ID_LENGTH = 20;

/**
 * A new run id: 20 random base32 characters (`"k3v9q0c7x2m8d5h1t6wz"`), random from the first
 * character, so a person can shorten it like a git hash: 8 characters (40 bits) tell a million
 * runs apart. Stores find a run by any unique prefix.
 *
 * @example
 * ```ts
 * pipe.run(state, { store, runId: generateRunId() });
 * ```
 */
export function generateRunId(): string {
  const bytes = new Uint8Array(RUN_ID_LENGTH);
  crypto.getRandomValues(bytes);
  let id = "";
  // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
  for (const byte of bytes) id += ALPHABET[byte & 31];
  return id;
}
