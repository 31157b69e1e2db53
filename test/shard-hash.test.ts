import { expect, test } from "vitest";
import { hashString, shardOf } from "../src/shard-hash.js";

// Reference values computed by ClickHouse 18.16 (SELECT sipHash64('a'), intHash64(toUInt64(12345)), ...).
test("sipHash64 and intHash64 equal ClickHouse's", () => {
  const sip: [string, string][] = [
    ["a", "10863254463029944905"],
    ["b", "17270894748891556580"],
    ["c", "1421958803217889556"],
    ["d", "2755936516345535118"],
    ["S0000001", "9254192218274841438"],
    ["", "2202906307356721367"],
    [" éà long string of more than eight bytes", "15838344003564146399"],
  ];
  for (const [s, h] of sip) expect(hashString(s)).toBe(h);
  const int: [string, string][] = [
    ["12345", "16722121143744093920"],
    ["0", "4761183170873013810"],
    ["18446744073709551615", "14600443904207254319"],
  ];
  for (const [s, h] of int) expect(hashString(s, "intHash64")).toBe(h);
});

test("shardOf is the hash modulo the number of shards, exactly, and splits ids evenly", () => {
  for (const [s, h] of [["a", 10863254463029944905n], ["S0000001", 9254192218274841438n]] as const) {
    for (const of of [1, 2, 3, 4, 7, 64]) expect(shardOf(s, of)).toBe(Number(h % BigInt(of)));
  }
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[shardOf(`S${String(i).padStart(7, "0")}`, 4)]!++;
  for (const c of counts) expect(c).toBeGreaterThan(900);
});
