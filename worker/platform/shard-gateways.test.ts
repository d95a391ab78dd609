import { describe, expect, it } from "vitest";
import { parseShardGateways } from "./shard-gateways";

describe("SHARD_GATEWAYS", () => {
  it("maps each shard, named or in a numbered run, to its gateway", () => {
    const map = parseShardGateways(
      JSON.stringify({
        SHARD_GATEWAY_0: ["DB_MOSCOW_2-4", "DB_VOLGA_ARCHIVE"],
        SHARD_GATEWAY_1: ["DB_MOSCOW_10-11", "DB_SOUTH7-8", "DB_URAL_09-10"],
      }),
    );
    expect(Object.fromEntries(map)).toEqual({
      DB_MOSCOW_2: "SHARD_GATEWAY_0",
      DB_MOSCOW_3: "SHARD_GATEWAY_0",
      DB_MOSCOW_4: "SHARD_GATEWAY_0",
      DB_VOLGA_ARCHIVE: "SHARD_GATEWAY_0",
      DB_MOSCOW_10: "SHARD_GATEWAY_1",
      DB_MOSCOW_11: "SHARD_GATEWAY_1",
      DB_SOUTH7: "SHARD_GATEWAY_1",
      DB_SOUTH8: "SHARD_GATEWAY_1",
      // A leading zero belongs to the prefix: the names as they are written.
      DB_URAL_09: "SHARD_GATEWAY_1",
      DB_URAL_010: "SHARD_GATEWAY_1",
    });
  });

  it("keeps a run of thousands of shards short: 4,500 names in one entry", () => {
    const map = parseShardGateways(JSON.stringify({ SHARD_GATEWAY_3: ["DB_MOSCOW_1-4500"] }));
    expect(map.size).toBe(4500);
    expect(map.get("DB_MOSCOW_4500")).toBe("SHARD_GATEWAY_3");
    expect(map.has("DB_MOSCOW_4501")).toBe(false);
  });

  it("leaves out what is not a shard or a gateway, and keeps a shard named twice with its first gateway", () => {
    const map = parseShardGateways(
      JSON.stringify({
        SHARD_GATEWAY_0: ["DB_A_1", "DB", "MESSAGES_0", "db_lower", "DB_X_2-05", "DB_Y_5-3", "DB_Z_1-20000", 7, "DB_A_1; DROP"],
        SHARD_GATEWAY_1: ["DB_A_1", "DB_B_1"],
        ASSETS: ["DB_C_1"],
        SHARD_GATEWAY_2: "DB_D_1",
      }),
    );
    expect(Object.fromEntries(map)).toEqual({ DB_A_1: "SHARD_GATEWAY_0", DB_B_1: "SHARD_GATEWAY_1" });
  });

  it("is empty when unset or not a JSON object", () => {
    for (const value of [undefined, "", "nonsense", "[]", "null", '"DB_A_1"']) expect(parseShardGateways(value).size).toBe(0);
  });
});
