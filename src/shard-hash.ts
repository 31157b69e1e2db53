/**
 * The hashes ClickHouse shards by, computed the same way in TypeScript, so that `churn score --shard k/K`
 * scores exactly the subscribers that shard k of a cluster sharded by that hash holds (k = hash mod K, the
 * Distributed engine's rule for shards of weight 1, counted from 0):
 *
 *   sipHash64(subscriber_id)             SipHash-2-4 with a zero key over the id's UTF-8 bytes (string ids)
 *   intHash64(toUInt64(subscriber_id))   murmur3's 64-bit finaliser of (id xor 0x4CF2D2BAAE6DA887) (numeric ids)
 *
 * 64-bit arithmetic in pairs of unsigned 32-bit halves (BigInt would be ~50x slower on millions of ids).
 * test/shard-hash.test.ts checks both against values ClickHouse computed.
 */

export type ShardHash = "sipHash64" | "intHash64";

// state: v0..v3 as (hi, lo) at [2k], [2k + 1]
const V = new Uint32Array(8);

function add(a: number, b: number): void {
  const lo = V[a + 1]! + V[b + 1]!;
  V[a + 1] = lo >>> 0;
  V[a] = (V[a]! + V[b]! + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}
function rotl(a: number, bits: number): void {
  let hi = V[a]!;
  let lo = V[a + 1]!;
  if (bits >= 32) {
    const t = hi;
    hi = lo;
    lo = t;
    bits -= 32;
  }
  if (bits > 0) {
    const h = ((hi << bits) | (lo >>> (32 - bits))) >>> 0;
    const l = ((lo << bits) | (hi >>> (32 - bits))) >>> 0;
    hi = h;
    lo = l;
  }
  V[a] = hi;
  V[a + 1] = lo;
}
function xor(a: number, b: number): void {
  V[a] = (V[a]! ^ V[b]!) >>> 0;
  V[a + 1] = (V[a + 1]! ^ V[b + 1]!) >>> 0;
}
function round(): void {
  add(0, 2);
  rotl(2, 13);
  xor(2, 0);
  rotl(0, 32);
  add(4, 6);
  rotl(6, 16);
  xor(6, 4);
  add(0, 6);
  rotl(6, 21);
  xor(6, 0);
  add(4, 2);
  rotl(2, 17);
  xor(2, 4);
  rotl(4, 32);
}
function block(hi: number, lo: number): void {
  V[6] = (V[6]! ^ hi) >>> 0;
  V[7] = (V[7]! ^ lo) >>> 0;
  round();
  round();
  V[0] = (V[0]! ^ hi) >>> 0;
  V[1] = (V[1]! ^ lo) >>> 0;
}

const encoder = new TextEncoder();

/** SipHash-2-4 (zero key) of the UTF-8 bytes of `s`, as [high, low] unsigned 32-bit halves. */
export function sipHash64Parts(s: string): [number, number] {
  const b = encoder.encode(s);
  V.set([0x736f6d65, 0x70736575, 0x646f7261, 0x6e646f6d, 0x6c796765, 0x6e657261, 0x74656462, 0x79746573]);
  const n = b.length;
  const whole = n - (n % 8);
  const le = (o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  for (let o = 0; o < whole; o += 8) block(le(o + 4), le(o));
  // last block: the remaining bytes, and the length mod 256 in the top byte
  let lo = 0;
  let hi = (n & 0xff) << 24;
  for (let j = 0; j < n - whole; j++) {
    const v = b[whole + j]!;
    if (j < 4) lo |= v << (8 * j);
    else hi |= v << (8 * (j - 4));
  }
  block(hi >>> 0, lo >>> 0);
  V[5] = (V[5]! ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  return [(V[0]! ^ V[2]! ^ V[4]! ^ V[6]!) >>> 0, (V[1]! ^ V[3]! ^ V[5]! ^ V[7]!) >>> 0];
}

/** 64-bit product of two (hi, lo) values, modulo 2^64. */
function mul64(ah: number, al: number, bh: number, bl: number): [number, number] {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  const carry = (mid >>> 16) + (p01 >>> 16) + (p10 >>> 16) + a1 * b1;
  const hi = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
  return [hi, lo];
}

/** ClickHouse's intHash64 of an unsigned 64-bit integer given as a decimal string, as [high, low] halves. */
export function intHash64Parts(id: string): [number, number] {
  const x = BigInt.asUintN(64, BigInt(id.trim()));
  // ClickHouse's IntHash64Impl: the finaliser of x ^ 0x4CF2D2BAAE6DA887
  let hi = (Number(x >> 32n) ^ 0x4cf2d2ba) >>> 0;
  let lo = (Number(x & 0xffffffffn) ^ 0xae6da887) >>> 0;
  const shift33 = () => {
    lo = (lo ^ (hi >>> 1)) >>> 0;
  };
  shift33();
  [hi, lo] = mul64(hi, lo, 0xff51afd7, 0xed558ccd);
  shift33();
  [hi, lo] = mul64(hi, lo, 0xc4ceb9fe, 0x1a85ec53);
  shift33();
  return [hi, lo];
}

/** The shard (0-based) of `id` among `of` shards of weight 1: hash mod `of`. */
export function shardOf(id: string, of: number, hash: ShardHash = "sipHash64"): number {
  const [hi, lo] = hash === "sipHash64" ? sipHash64Parts(id) : intHash64Parts(id);
  // (hi * 2^32 + lo) mod of, exactly, with numbers below 2^53
  return ((hi % of) * (4294967296 % of) + (lo % of)) % of;
}

/** The 64-bit hash as a decimal string (for tests and messages). */
export function hashString(id: string, hash: ShardHash = "sipHash64"): string {
  const [hi, lo] = hash === "sipHash64" ? sipHash64Parts(id) : intHash64Parts(id);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
