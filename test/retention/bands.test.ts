import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { bandIndex, bandOf, resolveBandThresholds } from "../../src/retention/bands.js";

const model = { critical: 0.6, high: 0.4, medium: 0.2 };

describe("risk bands", () => {
  it("puts a probability in the first band whose lower bound it reaches", () => {
    expect(bandOf(0.6, model)).toBe("critical");
    expect(bandOf(0.5999, model)).toBe("high");
    expect(bandOf(0.4, model)).toBe("high");
    expect(bandOf(0.2, model)).toBe("medium");
    expect(bandOf(0.19, model)).toBe("low");
    expect(bandOf(0, model)).toBe("low");
    expect(bandOf(1, model)).toBe("critical");
    expect(bandIndex(0.3, model)).toBe(2);
  });

  it("applies config overrides on top of the model's thresholds", () => {
    expect(resolveBandThresholds(model, { critical: 0.7 })).toEqual({ critical: 0.7, high: 0.4, medium: 0.2 });
    expect(resolveBandThresholds(model, {})).toEqual(model);
  });

  it("refuses thresholds out of order or out of range with a message that says the fix", () => {
    expect(() => resolveBandThresholds(model, { high: 0.7 })).toThrow(ConfigError);
    expect(() => resolveBandThresholds(model, { high: 0.7 })).toThrow(msg.bandThresholdOrder(0.6, 0.7, 0.2));
    expect(() => resolveBandThresholds(model, { medium: 0 })).toThrow(msg.bandThresholdRange("medium", 0));
    expect(() => resolveBandThresholds({ ...model, critical: Number.NaN })).toThrow(ConfigError);
  });
});
