import { describe, expect, it } from "vitest";
import { escapeLabel, humanizeName } from "../../src/visualization/labels.js";

describe("humanizeName", () => {
  it.each([
    ["fetchUser", "Fetch User"],
    ["parse_query", "Parse Query"],
    ["generateResponse", "Generate Response"],
    ["parseJSONBody", "Parse JSON Body"],
    ["HTTPServer", "HTTP Server"],
    ["gpt4oCall", "Gpt4o Call"],
    ["step2Go", "Step2 Go"],
    ["already Spaced words", "Already Spaced Words"],
    ["__private__name", "Private Name"],
    ['quote"test"', 'Quote"test"'],
    ["émileZola", "Émile Zola"],
    ["日本語", "日本語"],
    ["🚀launch", "🚀launch"],
    ["___", "___"],
    ["", ""],
  ])("%j -> %j", (name, label) => {
    expect(humanizeName(name)).toBe(label);
  });
});

describe("escapeLabel", () => {
  it.each([
    ["plain text", "plain text"],
    ['say "hi"', "say #quot;hi#quot;"],
    ["#1; a|b", "#35;1; a|b"],
    ["<b>x</b> & y", "#lt;b#gt;x#lt;/b#gt; #amp; y"],
    ["`code`", "#96;code#96;"],
    ["back\\slash", "back#92;slash"],
    ["100%", "100%"],
    ["%%{init: {}}%%", "#37;%{init: {}}#37;%"],
    ["line\nbreak\ttab", "line break tab"],
    ["nul\u0000 bom\ufeff c1\u0085", "nul\ufffd bom\ufffd c1 "],
    ["emoji 🚀 naïve 日本語", "emoji 🚀 naïve 日本語"],
    ["", "#160;"],
    ["  ", "#32;#32;"],
    ["lifestyle:#fff;", "life#115;tyle:#35;fff;"],
    ["\ud800 lone", "\ufffd lone"],
    ["\n", "#32;"],
  ])("%j -> %j", (text, escaped) => {
    expect(escapeLabel(text)).toBe(escaped);
  });
});
