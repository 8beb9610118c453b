/** One server-sent event message. */
export interface SseMessage {
  /** The `event:` field (`"message"` when absent). */
  readonly event: string;
  /** The `data:` lines, joined by `\n`. */
  readonly data: string;
  /** The last `id:` field seen, or `""`. */
  readonly id: string;
}

/**
 * A server-sent events parser as the HTML standard describes it (lines end with CRLF, LF or CR;
 * `:` starts a comment; a blank line dispatches; a message without data is dropped; an
 * unterminated message at the end of the stream is dropped). Written here rather than taken from a
 * package because `justpipe/http` has no dependencies and the format is 40 lines.
 */
export class SseParser {
  #buffer = "";
  #skipLineFeed = false;
  #event = "";
  #data: string[] = [];
  #id = "";

  /** Feeds decoded text; returns the messages it completed. */
  feed(text: string): SseMessage[] {
    const messages: SseMessage[] = [];
    let input = text;
    if (this.#skipLineFeed && input.startsWith("\n")) input = input.slice(1);
    this.#skipLineFeed = false;
    this.#buffer += input;
    let start = 0;
    for (let index = 0; index < this.#buffer.length; index++) {
      const char = this.#buffer[index];
      if (char !== "\n" && char !== "\r") continue;
      this.#line(this.#buffer.slice(start, index), messages);
      if (char === "\r") {
        if (index + 1 === this.#buffer.length) this.#skipLineFeed = true;
        else if (this.#buffer[index + 1] === "\n") index++;
      }
      start = index + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    return messages;
  }

  #line(line: string, messages: SseMessage[]): void {
    if (line === "") {
      if (this.#data.length > 0)
        messages.push({ event: this.#event || "message", data: this.#data.join("\n"), id: this.#id });
      this.#event = "";
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#event = value;
    else if (field === "data") this.#data.push(value);
    else if (field === "id" && !value.includes("\0")) this.#id = value;
  }
}
