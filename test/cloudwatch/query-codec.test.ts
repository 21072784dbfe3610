import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromQueryParams } from "../../src/api/query/deserialize.js";
import { toQueryResponse } from "../../src/api/query/serialize.js";
import type { ServiceModel } from "../../src/api/shapes/service-model.js";

/**
 * The awsQuery forms CloudWatch's served operations do not use (maps, flattened lists, renamed members),
 * on a small model written for the purpose; the CLI tests in query-protocol.test.ts cover the rest.
 */
const model: ServiceModel = {
  metadata: { apiVersion: "2020-01-01", protocol: "query", serviceId: "Example", xmlNamespace: "urn:example" },
  otherOperations: [],
  operations: { Tag: { input: "TagInput", output: "TagOutput", resultWrapper: "TagResult", errors: [] } },
  shapes: {
    TagInput: {
      type: "structure",
      members: { Tags: { shape: "TagMap" }, Names: { shape: "FlatList" }, Ids: { shape: "RenamedList", locationName: "Id" }, Count: { shape: "Int" } },
    },
    TagOutput: {
      type: "structure",
      members: { Tags: { shape: "TagMap" }, Names: { shape: "FlatList" }, Ids: { shape: "RenamedList" }, At: { shape: "Time" } },
    },
    TagMap: { type: "map", key: { shape: "Str" }, value: { shape: "Str" } },
    FlatList: { type: "list", member: { shape: "Str" }, flattened: true },
    RenamedList: { type: "list", member: { shape: "Str", locationName: "item" } },
    Str: { type: "string" },
    Int: { type: "integer" },
    Time: { type: "timestamp" },
  },
};

describe("awsQuery forms beyond CloudWatch's", () => {
  it("reads maps as entry.N.key/value, flattened lists as Name.N, renamed members by their locationName", () => {
    const params = new URLSearchParams(
      "Action=Tag&Tags.entry.2.key=b&Tags.entry.2.value=2&Tags.entry.1.key=__proto__&Tags.entry.1.value=1&Names.2=y&Names.1=x&Id.item.1=i&Count=-3",
    );
    const input = fromQueryParams(model, "TagInput", params, ["Action"]);
    assert.deepEqual(Object.entries(input.Tags as object), [
      ["__proto__", "1"],
      ["b", "2"],
    ]);
    assert.equal(Object.getPrototypeOf(input.Tags), Object.prototype);
    assert.deepEqual([input.Names, input.Ids, input.Count], [["x", "y"], ["i"], -3]);
  });

  it("writes maps as <entry>, flattened lists repeated, renamed list members, timestamps in ISO 8601", () => {
    const xml = toQueryResponse(model, "Tag", { Tags: { "a&b": "<1>" }, Names: ["x", "y"], Ids: ["i"], At: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }, "rid");
    assert.equal(
      xml,
      '<TagResponse xmlns="urn:example"><TagResult>' +
        "<Tags><entry><key>a&amp;b</key><value>&lt;1&gt;</value></entry></Tags><Names>x</Names><Names>y</Names><Ids><item>i</item></Ids><At>2026-01-02T03:04:05.000Z</At>" +
        "</TagResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></TagResponse>",
    );
  });
});
