import { describe, expect, it } from "vitest";
import { InputDataError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { OTHER_LEVEL, Preprocessor } from "../../src/model/preprocess.js";
import { columnFromStrings, type RawTable } from "../../src/raw-table.js";

function table(cols: Record<string, (string | null)[]>): RawTable {
  const names = Object.keys(cols);
  return { rows: cols[names[0]!]!.length, columns: names.map((n) => columnFromStrings(n, cols[n]!)) };
}

const train = table({
  tenure: ["1", "2", "3", "4", "NA", "6", "7", "8", "9", "100"],
  fee: ["10", "20", "30", "40", "50", "60", "70", "80", "90", "1000"],
  plan: ["a", "a", "a", "b", "b", "b", "c", "a", "b", "?"],
});

describe("preprocessing", () => {
  it("infers numeric vs categorical with the missing tokens", () => {
    const t = table({ x: ["1", " 2 ", "NaN", "", "null", "N/A", "?", "3.5e2"], y: ["1", "2", "x", null, "NULL", "nan", "NA", "4"] });
    expect(t.columns[0]!.kind).toBe("numeric");
    expect(Array.from((t.columns[0] as { values: Float64Array }).values).map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, 2, null, null, null, null, null, 350]);
    expect(t.columns[1]!.kind).toBe("categorical");
    expect((t.columns[1] as { values: (string | null)[] }).values).toEqual(["1", "2", "x", null, null, null, null, "4"]);
  });

  it("imputes the median, adds a missing indicator only where training had gaps, scales robustly and clips", () => {
    const pre = Preprocessor.fit(train, { minLevelCount: 3, clip: 3 });
    expect(pre.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      "tenure:numeric",
      "tenure__missing:missing",
      "fee:numeric",
      "plan=a:onehot",
      "plan=b:onehot",
      `plan=${OTHER_LEVEL}:onehot`,
    ]);
    const X = pre.transform(train);
    const row = (i: number) => Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols));
    // tenure median of 1,2,3,4,6,7,8,9,100 = 6; row 4 is missing → 0 with indicator 1
    expect(row(4).slice(0, 2)).toEqual([0, 1]);
    // fee median 55, IQR (77.5 - 32.5) = 45 → scale 45/1.349; 1000 clips at 3
    expect(row(9)[2]).toBe(3);
    expect(row(0)[2]).toBeCloseTo(Math.fround(((10 - 55) / 45) * 1.349), 6);
    // plan c (1 row) and '?' (missing, 1 row) are rare → other
    expect(row(6).slice(3)).toEqual([0, 0, 1]);
    expect(row(9).slice(3)).toEqual([0, 0, 1]);
  });

  it("sends unseen levels to other and refuses a table without a trained column", () => {
    const pre = Preprocessor.fit(train, { minLevelCount: 3 });
    const X = pre.transform(table({ tenure: ["5"], fee: ["x"], plan: ["zzz"] }));
    // fee read as text at scoring: non-numbers are missing → imputed (0); plan zzz → other
    expect(Array.from(X.data)).toEqual([X.data[0]!, 0, 0, 0, 0, 1]);
    expect(() => pre.transform(table({ tenure: ["1"], plan: ["a"] }), "score.csv")).toThrow(new InputDataError(msg.modelColumnMissing("score.csv", "fee")));
  });

  it("round trip: fit, JSON, load, transform gives an identical matrix", () => {
    const pre = Preprocessor.fit(train, { minLevelCount: 2 });
    const loaded = Preprocessor.fromJSON(JSON.parse(JSON.stringify(pre.toJSON())));
    const test = table({ tenure: ["3", null, "250"], fee: ["15.5", "NA", "-3"], plan: ["b", "c", null] });
    const a = pre.transform(test);
    const b = loaded.transform(test);
    expect(b.columns).toEqual(a.columns);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(loaded.toJSON()).toEqual(pre.toJSON());
  });
});
